package org.alignspark.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.alignspark.testing.TestSpark;
import org.alignspark.testing.TinyModels;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spark tasks hold the models they run until they complete; the cache's budget comes from its setting. */
class ExecutorModelsTest {
    // TinyModels.gpt2 (vocabulary 256 bytes + 6 specials, d=32, 2 layers, 256 positions, tied head), by hand:
    // wte 262·32 + wpe 256·32 + per layer (2 norms 2·2·32 + qkv 32·96+96 + proj 32·32+32 + fc 32·128+128
    // + fc-proj 128·32+32 = 12 704) · 2 + ln_f 2·32 = 42 048 floats, 4 bytes each; a cached model is frozen: no
    // gradient buffers.
    private static final long TINY_GPT2_BYTES = 42_048L * 4;

    @TempDir Path dir;
    private SparkSession spark;

    @BeforeEach
    void session() {
        spark = TestSpark.session();   // before the setting, so the suite's shared SparkConf never sees it
    }

    @AfterEach
    void clearBudget() {
        System.clearProperty(ExecutorModels.BUDGET_KEY);
    }

    @Test
    void aTaskHoldsItsModelUntilItCompletes() {
        String a = TinyModels.gpt2(dir.resolve("a"), 1).toString();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Integer> heldInTask = sc.parallelize(List.of(0), 1).map(i -> {
            ExecutorModels.replica(a);
            ExecutorModels.replica(a);
            return ExecutorModels.cache().holds("language model " + a);
        }).collect();
        assertEquals(List.of(2), heldInTask);
        assertEquals(0, ExecutorModels.cache().holds("language model " + a), "released when the task completed");
    }

    @Test
    void aModelHeldByARunningTaskIsNotEvictedForAnother() {
        String a = TinyModels.gpt2(dir.resolve("a"), 1).toString();
        String b = TinyModels.gpt2(dir.resolve("b"), 2).toString();
        String c = TinyModels.gpt2(dir.resolve("c"), 3).toString();
        System.setProperty(ExecutorModels.BUDGET_KEY, String.valueOf(TINY_GPT2_BYTES));   // room for one
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Boolean> bothCached = sc.parallelize(List.of(0), 1).map(i -> {
            ExecutorModels.replica(a);
            ExecutorModels.replica(b);
            List<String> keys = ExecutorModels.cache().keys();
            return keys.contains("language model " + a) && keys.contains("language model " + b);
        }).collect();
        assertEquals(List.of(true), bothCached, "a is held by the task that loads b");
        assertEquals(2 * TINY_GPT2_BYTES, ExecutorModels.cache().bytes(), "a and b (both held at b's load), nothing else");
        // Both released: c's load evicts a, the least recently used (b was loaded, and so released, after it).
        sc.parallelize(List.of(0), 1).foreach(i -> ExecutorModels.replica(c));
        List<String> keys = ExecutorModels.cache().keys();
        assertFalse(keys.contains("language model " + a), keys.toString());
        assertFalse(keys.contains("language model " + b), keys.toString());
        assertTrue(keys.contains("language model " + c), keys.toString());
    }

    @Test
    void theBudgetIsASizeSetting() {
        System.setProperty(ExecutorModels.BUDGET_KEY, "6g");
        assertEquals(6L << 30, ExecutorModels.budget());
        System.setProperty(ExecutorModels.BUDGET_KEY, "512m");
        assertEquals(512L << 20, ExecutorModels.budget());
        System.setProperty(ExecutorModels.BUDGET_KEY, "lots");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, ExecutorModels::budget);
        assertEquals(ExecutorModels.BUDGET_KEY + " must be a positive size such as 6g or 512m, not 'lots'", bad.getMessage());
        System.clearProperty(ExecutorModels.BUDGET_KEY);
        assertTrue(ExecutorModels.budget() > 0);
    }
}
