package org.alignspark.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.alignspark.common.lm.EngineThreads;
import org.alignspark.testing.TestSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/** A task's engine runs on the CPUs Spark gave the task (spark.task.cpus, 1 in the suite's local[2] session). */
class TaskThreadsTest {
    @Test
    void aTaskRunsTheEngineOnItsOwnCpus() {
        EngineThreads.configure(2, 1);
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
            List<Integer> threads = sc.parallelize(List.of(1, 2), 2).map(i -> {
                TaskThreads.apply();
                return EngineThreads.ensureConfigured().threads();
            }).collect();
            assertEquals(List.of(1, 1), threads);
        } finally {
            EngineThreads.configure(1, 1);
        }
    }

    @Test
    void outsideATaskTheSettingsStay() {
        EngineThreads.configure(2, 1);
        try {
            TaskThreads.apply();
            assertEquals(2, EngineThreads.ensureConfigured().threads());
        } finally {
            EngineThreads.configure(1, 1);
        }
    }
}
