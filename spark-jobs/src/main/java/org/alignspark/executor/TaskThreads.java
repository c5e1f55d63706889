package org.alignspark.executor;

import org.alignspark.common.lm.EngineThreads;
import org.apache.spark.TaskContext;

/**
 * Gives the engine the cores Spark gave the running task ({@code spark.task.cpus}): one task per core keeps the
 * engine on one thread per task; one task per executor with {@code spark.task.cpus = spark.executor.cores} runs
 * its matrix products and element-wise chains on all of them (README, "Engine threads"). Outside a task (the
 * driver), the engine keeps its settings from the environment.
 */
public final class TaskThreads {
    private TaskThreads() {
    }

    /** Sets the engine's threads from the current task's CPUs; nothing outside a task. */
    public static void apply() {
        TaskContext task = TaskContext.get();
        if (task != null) {
            EngineThreads.forWorker(task.cpus());
        }
    }
}
