package org.alignspark.executor;

import java.util.List;

import org.alignspark.testing.TestSpark;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ResourceProfile;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --executor-gpus}: the ResourceProfile asked for, the checks before a run, and tasks without a GPU. */
class GpuStagesTest {

    @Test
    void theProfileAsksForTheExecutorAndTaskGpuAmountsWithTheDiscoveryScript() {
        ResourceProfile profile = new GpuStages(2, 1, "/opt/spark/getGpusResources.sh", "nvidia.com").profile();
        var executor = profile.executorResourcesJMap().get("gpu");
        assertEquals(2, executor.amount());
        assertEquals("/opt/spark/getGpusResources.sh", executor.discoveryScript());
        assertEquals("nvidia.com", executor.vendor());
        assertEquals(1.0, profile.taskResourcesJMap().get("gpu").amount());
        assertThrows(IllegalStateException.class, () -> GpuStages.off().profile());
    }

    @Test
    void tasksWithoutAGpuBindNothingAndOffNeedsNoDynamicAllocation() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        var rdd = jsc.parallelize(List.of(1, 2), 2);
        // local mode's tasks hold no GPU: nothing bound, nothing reported
        assertEquals(List.of("none", "none"), rdd.map(x -> String.valueOf(GpuStages.bindAssignedGpu()).replace("null", "none")).collect());
        GpuStages.off().checkSchedulable(new SparkConf(false));
    }

    @Test
    void badRequestsAndUnschedulableConfigurationsFailInOneLine() {
        assertEquals("--executor-gpus must be at least 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> new GpuStages(-1, 1, "", "")).getMessage());
        assertEquals("--task-gpus must be > 0 and at most --executor-gpus (1), got 2.0",
                assertThrows(IllegalArgumentException.class, () -> new GpuStages(1, 2, "", "")).getMessage());
        GpuStages gpus = new GpuStages(1, 1, "", "");
        String noDynamicAllocation = assertThrows(IllegalArgumentException.class,
                () -> gpus.checkSchedulable(new SparkConf(false))).getMessage();
        assertTrue(noDynamicAllocation.startsWith("--executor-gpus needs spark.dynamicAllocation.enabled=true"), noDynamicAllocation);
        SparkConf appWide = new SparkConf(false).set("spark.dynamicAllocation.enabled", "true").set("spark.task.resource.gpu.amount", "1");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> gpus.checkSchedulable(appWide)).getMessage()
                .contains("drop spark.task.resource.gpu.amount"));
        gpus.checkSchedulable(new SparkConf(false).set("spark.dynamicAllocation.enabled", "true"));
    }
}
