package org.alignspark.warehouse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runs that started and have not ended: one small JSON file per run under {@code job_runs/_started/}, written as
 * the run starts and removed when its {@code job_runs} row (succeeded or failed) is appended. A file per run rather
 * than a {@code started} row in {@code job_runs}, so that every reader of {@code job_runs} keeps one row per run. A
 * run killed before its end (SIGTERM, a lost driver) leaves its file: the next run of the same job, table and night
 * turns it into a {@code job_runs} row with status {@code started} and no finish time, so the interruption is visible
 * where the accounting is. ({@code _}-prefixed folders are invisible to Spark's readers of the table.)
 */
public final class StartedRuns {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(StartedRuns.class);

    private StartedRuns() {}

    /** Records that {@code run} started, after turning the files of earlier runs of its night that never ended into rows. */
    public static void start(JobRun run) {
        Warehouse warehouse = run.warehouse();
        try {
            FileSystem fs = folder(warehouse).getFileSystem(warehouse.spark().sparkContext().hadoopConfiguration());
            if (fs.exists(folder(warehouse))) {
                for (FileStatus file : fs.listStatus(folder(warehouse))) {
                    Map<?, ?> earlier;
                    try (InputStream in = fs.open(file.getPath())) {
                        earlier = JSON.readValue(in, Map.class);
                    }
                    if (run.job().equals(earlier.get("job")) && run.table().equals(earlier.get("table"))
                            && run.dt().equals(earlier.get("dt"))) {
                        LOG.warn("run {} of {} started and never ended: recorded in {} as {}", earlier.get("run_id"),
                                run.job(), RunRecord.TABLE, RunRecord.STARTED);
                        new RunRecord((String) earlier.get("run_id"), run.job(), run.table(), run.dt(), 0, 0, 0, 0, 0,
                                Instant.parse((String) earlier.get("started_at")), null, RunRecord.STARTED,
                                "no end recorded: the run was interrupted (killed, or its driver lost)", 0).append(warehouse);
                        fs.delete(file.getPath(), false);
                    }
                }
            }
            try (OutputStream out = fs.create(marker(warehouse, run.runId()), true)) {
                JSON.writeValue(out, Map.of("run_id", run.runId(), "job", run.job(), "table", run.table(), "dt", run.dt(),
                        "started_at", run.started().toString()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the start of " + run.runId() + " under " + folder(warehouse), e);
        }
    }

    /** Whether {@code run} started and has no {@code job_runs} row yet. */
    public static boolean open(JobRun run) {
        try {
            Path marker = marker(run.warehouse(), run.runId());
            return marker.getFileSystem(run.spark().sparkContext().hadoopConfiguration()).exists(marker);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes {@code run}'s file: its {@code job_runs} row is written. */
    public static void end(JobRun run) {
        try {
            Path marker = marker(run.warehouse(), run.runId());
            marker.getFileSystem(run.spark().sparkContext().hadoopConfiguration()).delete(marker, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path folder(Warehouse warehouse) {
        return new Path(warehouse.tablePath(RunRecord.TABLE), "_started");
    }

    private static Path marker(Warehouse warehouse, String runId) {
        return new Path(folder(warehouse), runId + ".json");
    }
}
