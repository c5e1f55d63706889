package org.alignspark.warehouse;

import java.time.Instant;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * One run of a job over one night: the warehouse, the partition {@code dt} it reads and writes, the table it writes,
 * its run id and start time. It starts in {@link StartedRuns}; {@link #record} ends it with its row counts in
 * {@code job_runs}, {@link #fail} with its error.
 */
public record JobRun(String job, String table, String dt, Warehouse warehouse, String runId, Instant started,
                     WriteGuard guard) {

    public SparkSession spark() {
        return warehouse.spark();
    }

    /** The night's partition of {@code input}. */
    public Dataset<Row> read(String input) {
        return warehouse.partition(input, dt);
    }

    /** One split ({@code train}, {@code test} or {@code all}) of the night's partition of {@code input}. */
    public Dataset<Row> read(String input, String split) {
        return warehouse.partition(input, dt, split);
    }

    /**
     * Replaces the night's partition of {@code output} with {@code rows} ({@link Warehouse#overwritePartition}). The
     * run's own table ({@link #table}) is never replaced by nothing unless the guard allows it ({@code --allow-empty}):
     * the run fails and the previous partition stays. Tables beside it (quarantine, removed rows) may be empty.
     */
    public void overwrite(Dataset<Row> rows, String output, boolean empty) {
        if (empty && output.equals(table)) {
            guard.checkNotEmpty(job, table, dt);
        }
        warehouse.overwritePartition(rows, output, dt, empty);
    }

    /**
     * Fails, before the run writes anything, when more of its {@code rowsIn} were quarantined than
     * {@code --max-quarantine-fraction} allows.
     */
    public void checkQuarantine(long rowsIn, long rowsQuarantined) {
        guard.checkQuarantine(job, table, dt, rowsIn, rowsQuarantined);
    }

    public void append(Dataset<Row> rows, String output) {
        warehouse.appendPartition(rows, output, dt);
    }

    /** Ends the run: appends its row counts, with no duplicates or ties, to {@code job_runs}. */
    public RunRecord record(long rowsIn, long rowsOut, long rowsQuarantined) {
        return record(rowsIn, rowsOut, rowsQuarantined, 0, 0);
    }

    public RunRecord record(long rowsIn, long rowsOut, long rowsQuarantined, long duplicates, long ties) {
        return record(rowsIn, rowsOut, rowsQuarantined, duplicates, ties, 0);
    }

    /** {@link #record}, with the input files the run skipped (hidden or {@code _}-prefixed). */
    public RunRecord record(long rowsIn, long rowsOut, long rowsQuarantined, long duplicates, long ties, long filesSkipped) {
        RunRecord run = new RunRecord(runId, job, table, dt, rowsIn, rowsOut, rowsQuarantined, duplicates, ties, started,
                Instant.now(), RunRecord.SUCCEEDED, null, filesSkipped);
        run.append(warehouse);
        StartedRuns.end(this);
        return run;
    }

    /** Ends a run that failed with {@code error}: a {@code job_runs} row with status failed, unless it already ended. */
    public void fail(String error) {
        if (StartedRuns.open(this)) {
            RunRecord.failed(runId, job, table, dt, started, error).append(warehouse);
            StartedRuns.end(this);
        }
    }
}
