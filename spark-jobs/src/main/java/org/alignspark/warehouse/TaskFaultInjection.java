package org.alignspark.warehouse;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;

/**
 * Test-only fault injection for cluster tests: with {@code spark.alignspark.test.failTaskOnce=<marker path>} set on a
 * submit, the first task attempt that reaches {@link #failOnce()} creates the marker file and throws, so Spark has to
 * retry it. Every later attempt finds the marker and runs normally. Unset (always, outside tests) it does nothing.
 * The marker lives in storage every executor sees, which is what makes the failure happen once per application and
 * not once per executor JVM.
 */
public final class TaskFaultInjection {
    public static final String FAIL_TASK_ONCE = "spark.alignspark.test.failTaskOnce";

    /** The failure a task attempt throws; its class name is what a test looks for in the event log. */
    public static final class InjectedTaskFailure extends RuntimeException {
        InjectedTaskFailure(String message) {
            super(message);
        }
    }

    private TaskFaultInjection() {}

    /** Throws {@link InjectedTaskFailure} in the first task attempt that calls it, when the test setting is present. */
    public static void failOnce() {
        TaskContext task = TaskContext.get();
        SparkEnv env = SparkEnv.get();
        if (task == null || env == null || !env.conf().contains(FAIL_TASK_ONCE)) {
            return;
        }
        Path marker = new Path(env.conf().get(FAIL_TASK_ONCE));
        try {
            FileSystem fs = marker.getFileSystem(new Configuration());
            if (!fs.createNewFile(marker)) {
                return;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the fault injection marker " + marker, e);
        }
        throw new InjectedTaskFailure(String.format(java.util.Locale.ROOT,
                "injected failure of stage %d, partition %d, attempt %d (%s; marker %s)", task.stageId(), task.partitionId(),
                task.attemptNumber(), FAIL_TASK_ONCE, marker));
    }
}
