package org.alignspark.warehouse;

import java.time.Instant;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * One run of a job over one night: the warehouse, the partition {@code dt} it reads and writes, the table it writes,
 * its run id and start time. {@link #record} ends it with its row counts in {@code job_runs}.
 */
public record JobRun(String job, String table, String dt, Warehouse warehouse, String runId, Instant started) {

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

    /** Replaces the night's partition of {@code output} with {@code rows} ({@link Warehouse#overwritePartition}). */
    public void overwrite(Dataset<Row> rows, String output, boolean empty) {
        warehouse.overwritePartition(rows, output, dt, empty);
    }

    public void append(Dataset<Row> rows, String output) {
        warehouse.appendPartition(rows, output, dt);
    }

    /** Ends the run: appends its row counts, with no duplicates or ties, to {@code job_runs}. */
    public RunRecord record(long rowsIn, long rowsOut, long rowsQuarantined) {
        return record(rowsIn, rowsOut, rowsQuarantined, 0, 0);
    }

    public RunRecord record(long rowsIn, long rowsOut, long rowsQuarantined, long duplicates, long ties) {
        RunRecord run = new RunRecord(runId, job, table, dt, rowsIn, rowsOut, rowsQuarantined, duplicates, ties, started,
                Instant.now());
        run.append(warehouse);
        return run;
    }
}
