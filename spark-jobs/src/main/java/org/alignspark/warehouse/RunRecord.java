package org.alignspark.warehouse;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * One job run's row counts and outcome, appended to the {@code job_runs} table: every job accounts for its input as
 * {@code rows_in = rows_out + rows_quarantined + duplicates + ties} (docs/design.md decision 2). {@code status} is
 * {@code succeeded}, {@code failed} (with its {@code error}; the counts are those known when it failed, zeros as a
 * rule) or {@code started}: a run that started and never ended, found by the next run of the same job, table and
 * night ({@link StartedRuns}). {@code files_skipped} counts the hidden and {@code _}-prefixed input files a run left
 * out (ingest).
 */
public record RunRecord(String runId, String job, String table, String dt, long rowsIn, long rowsOut,
                        long rowsQuarantined, long duplicates, long ties, Instant startedAt, Instant finishedAt,
                        String status, String error, long filesSkipped) {

    public static final String TABLE = "job_runs";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    public static final String STARTED = "started";

    private static final StructType SCHEMA = StructType.fromDDL("""
            run_id STRING NOT NULL, job STRING NOT NULL, table_name STRING NOT NULL, rows_in BIGINT NOT NULL,
            rows_out BIGINT NOT NULL, rows_quarantined BIGINT NOT NULL, duplicates BIGINT NOT NULL,
            ties BIGINT NOT NULL, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP,
            status STRING NOT NULL, error STRING, files_skipped BIGINT NOT NULL""");

    public static String newRunId(String job) {
        return job + "-" + UUID.randomUUID();
    }

    /** The record of a run that started at {@code started} and ends now, with no duplicates or ties to count. */
    public static RunRecord of(String job, String table, String dt, long rowsIn, long rowsOut, long rowsQuarantined, Instant started) {
        return new RunRecord(newRunId(job), job, table, dt, rowsIn, rowsOut, rowsQuarantined, 0, 0, started, Instant.now(),
                SUCCEEDED, null, 0);
    }

    /** The record of a run that failed now with {@code error}, its rows not counted. */
    public static RunRecord failed(String runId, String job, String table, String dt, Instant started, String error) {
        return new RunRecord(runId, job, table, dt, 0, 0, 0, 0, 0, started, Instant.now(), FAILED, error, 0);
    }

    public boolean balanced() {
        return rowsIn == rowsOut + rowsQuarantined + duplicates + ties;
    }

    public void append(Warehouse warehouse) {
        SparkSession spark = warehouse.spark();
        var row = RowFactory.create(runId, job, table, rowsIn, rowsOut, rowsQuarantined, duplicates, ties,
                java.sql.Timestamp.from(startedAt), finishedAt == null ? null : java.sql.Timestamp.from(finishedAt),
                status, error, filesSkipped);
        warehouse.appendPartition(spark.createDataFrame(List.of(row), SCHEMA).coalesce(1), TABLE, dt);
    }

    /** The summary printed at the end of a job. */
    public String summary() {
        double seconds = Math.max(1e-3, (finishedAt.toEpochMilli() - startedAt.toEpochMilli()) / 1000.0);
        return String.format(java.util.Locale.ROOT,
                "%n%-18s %s%n%-18s %s (dt=%s)%n%-18s %,d%n%-18s %,d%n%-18s %,d%n%-18s %,d%n%-18s %,d%n%-18s %.1f s (%,.0f rows/s)%n%-18s %s%n",
                "run", runId, "table", table, dt, "rows_in", rowsIn, "rows_out", rowsOut,
                "rows_quarantined", rowsQuarantined, "duplicates", duplicates, "ties", ties,
                "time", seconds, rowsIn / seconds,
                "balance", balanced() ? "rows_in = rows_out + rows_quarantined + duplicates + ties"
                        : "UNBALANCED: rows are missing")
                + (filesSkipped > 0 ? String.format("%-18s %,d (hidden or _-prefixed)%n", "files_skipped", filesSkipped) : "");
    }
}
