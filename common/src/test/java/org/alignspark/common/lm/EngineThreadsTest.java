package org.alignspark.common.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The engine's thread settings, and the model on two engine threads with every element-wise chain split into
 * row ranges (the chunk minimum lowered so that tiny models split): the same golden outputs and finite-difference
 * gradients as on one thread.
 */
class EngineThreadsTest {
    @BeforeAll
    static void twoThreadsAndTinyChunks() {
        EngineThreads.configure(2, 1);
        RowChunks.minElementsPerChunk = 1;
    }

    @AfterAll
    static void restore() {
        RowChunks.minElementsPerChunk = RowChunks.MIN_ELEMENTS_PER_CHUNK;
        EngineThreads.configure(EngineThreads.threadsFrom(System.getProperties(), System.getenv()),
                EngineThreads.opThreadsFrom(System.getProperties(), System.getenv()));
    }

    @Test
    void settingsComeFromThePropertyThenTheEnvironmentThenOmp() {
        Properties none = new Properties();
        Properties three = new Properties();
        three.setProperty("alignspark.engine.threads", "3");
        assertEquals(3, EngineThreads.threadsFrom(three, Map.of("ALIGNSPARK_ENGINE_THREADS", "5")));
        assertEquals(5, EngineThreads.threadsFrom(none, Map.of("ALIGNSPARK_ENGINE_THREADS", "5", "OMP_NUM_THREADS", "7")));
        assertEquals(7, EngineThreads.threadsFrom(none, Map.of("OMP_NUM_THREADS", "7")));
        assertEquals(Runtime.getRuntime().availableProcessors(), EngineThreads.threadsFrom(none, Map.of()));
        assertEquals(1, EngineThreads.opThreadsFrom(none, Map.of("OMP_NUM_THREADS", "7")));
        assertEquals(4, EngineThreads.opThreadsFrom(none, Map.of("ALIGNSPARK_ENGINE_OP_THREADS", "4")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EngineThreads.threadsFrom(none, Map.of("ALIGNSPARK_ENGINE_THREADS", "zero")));
        assertTrue(e.getMessage().contains("'zero'"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> EngineThreads.threadsFrom(none, Map.of("ALIGNSPARK_ENGINE_THREADS", "0")));
    }

    @Test
    void settingsReportTheBlasLibraryAndTheThreadsInForce() {
        EngineThreads.Settings s = EngineThreads.configure(2, 1);
        assertEquals(2, s.blasThreads());
        assertEquals(1, s.ompThreads());
        assertTrue(s.describe().contains("OPENBLAS"), s.describe());
        assertTrue(!s.blasCore().isBlank(), s.describe());
    }

    @ParameterizedTest(name = "{0}, {1} padding, two threads")
    @CsvSource({"gpt2, ''", "gpt2, _left", "llama, _left", "gemma2, ''", "mistral, _left"})
    void goldenOutputsHoldOnTwoThreads(String model, String suffix) throws Exception {
        new GoldenOutputsTest().outputsMatchPyTorchReference(model, suffix);
    }

    @Test
    void gpt2GradientsHoldOnTwoThreads() {
        new ModelGradientTest().gpt2GradientsMatchFiniteDifferences();
    }

    @Test
    void gemma2SoftCappedGradientsHoldOnTwoThreads() {
        new ModelGradientTest().gemma2GradientsMatchFiniteDifferences();
    }

    @Test
    void logitGradientsHoldOnTwoThreads() {
        new ModelGradientTest().logitGradientsMatchFiniteDifferences();
    }
}
