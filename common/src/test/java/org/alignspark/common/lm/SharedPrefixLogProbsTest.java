package org.alignspark.common.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Completions scored behind one cached prompt equal the same completions scored behind a copy of it per row. */
class SharedPrefixLogProbsTest {
    private static final int[] PROMPT = {5, 9, 2, 17, 3, 30, 11, 8};
    /** Ragged: one token, a few, and the longest; padded on the right behind the shared prompt. */
    private static final List<int[]> COMPLETIONS = List.of(new int[] {4}, new int[] {7, 7, 1}, new int[] {12, 40, 6, 2, 9},
            new int[] {3, 3}, new int[] {44, 1, 2, 3, 4, 5, 6});

    /** Every family the engine loads; windows of 3 positions, shorter than the prompt, so prefix keys leave the window. */
    private static List<CausalLM> models() {
        List<CausalLM> models = new ArrayList<>();
        ModelConfig llama = ModelConfig.llama(48, 16, 2, 4, 2, 24, 32);
        for (ModelConfig config : new ModelConfig[] {ModelConfig.gpt2(48, 16, 2, 2, 32), llama,
                llama.toBuilder().family(ModelFamily.QWEN3).headDim(6).build(),
                llama.toBuilder().family(ModelFamily.MISTRAL).slidingWindow(3).build(),
                llama.toBuilder().family(ModelFamily.PHI3).slidingWindow(3).build(),
                llama.toBuilder().family(ModelFamily.GEMMA2).headDim(6).tieWordEmbeddings(true).slidingWindow(3)
                        .gemmaScaling(5, 1.0, 2.0).build()}) {
            CausalLM model = new CausalLM(config.withDataType(DataType.FLOAT));
            FiniteDifferences.randomize(model.parameters(), 7, 0.4);
            models.add(model);
        }
        return models;
    }

    @Test
    void completionsBehindASharedPrefixEqualTheUncachedBatchInEveryFamily() {
        for (CausalLM model : models()) {
            for (int batch : new int[] {0, 2}) {   // all rows at once, and chunks that reuse one cache
                List<double[]> shared = SharedPrefixLogProbs.tokenLogProbs(model, PROMPT, COMPLETIONS, 0, batch);
                CompletionLogProbs uncached = CompletionLogProbs.forward(model,
                        java.util.Collections.nCopies(COMPLETIONS.size(), PROMPT), COMPLETIONS, 0);
                for (int i = 0; i < COMPLETIONS.size(); i++) {
                    double[] expected = uncached.tokenLogProbs(i);
                    assertEquals(expected.length, shared.get(i).length);
                    for (int t = 0; t < expected.length; t++) {
                        assertEquals(expected[t], shared.get(i)[t], 1e-5,
                                model.config().family() + " batch " + batch + " row " + i + " token " + t);
                    }
                }
            }
        }
    }

    @Test
    void thePromptsOwnLogProbsEqualAFullForwardOfItsPrefixInEveryFamily() {
        // Split the prompt as FLR's Direct baseline splits a conversation: x[0..3) a "prompt", x[3..8) its "response".
        int[] head = java.util.Arrays.copyOfRange(PROMPT, 0, 3);
        int[] tail = java.util.Arrays.copyOfRange(PROMPT, 3, PROMPT.length);
        for (CausalLM model : models()) {
            SharedPrefixLogProbs.Scored scored = SharedPrefixLogProbs.score(model, PROMPT, COMPLETIONS, 0, 0, true);
            double[] expected = CompletionLogProbs.forward(model, List.of(head), List.of(tail), 0).tokenLogProbs(0);
            assertEquals(PROMPT.length, scored.prompt().length);
            org.junit.jupiter.api.Assertions.assertTrue(Double.isNaN(scored.prompt()[0]));
            for (int t = 0; t < tail.length; t++) {
                assertEquals(expected[t], scored.prompt()[head.length + t], 1e-5, model.config().family() + " token " + t);
            }
            List<double[]> alone = SharedPrefixLogProbs.tokenLogProbs(model, PROMPT, COMPLETIONS, 0, 0);
            for (int i = 0; i < COMPLETIONS.size(); i++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(alone.get(i), scored.completions().get(i), 1e-12);
            }
        }
    }

    @Test
    void hiddenStatesBehindASharedPrefixEqualAFullForwardInEveryFamily() {
        for (CausalLM model : models()) {
            List<float[][]> shared = SharedPrefixLogProbs.hiddenStates(model, PROMPT, COMPLETIONS, 0);
            for (int i = 0; i < COMPLETIONS.size(); i++) {
                int[] y = COMPLETIONS.get(i);
                int[] all = java.util.Arrays.copyOf(PROMPT, PROMPT.length + y.length);
                System.arraycopy(y, 0, all, PROMPT.length, y.length);
                model.forward(Batch.of(all));
                float[][] full = model.hiddenStates().slice(0).castTo(DataType.FLOAT).toFloatMatrix();   // [P + |y|, d]
                assertEquals(1 + y.length, shared.get(i).length);
                for (int r = 0; r <= y.length; r++) {
                    for (int j = 0; j < full[0].length; j++) {
                        assertEquals(full[PROMPT.length - 1 + r][j], shared.get(i)[r][j], 1e-5,
                                model.config().family() + " row " + i + " state " + r + " dim " + j);
                    }
                }
            }
        }
    }

    @Test
    void aPrefixLongerThanTheWindowHidesItsEarlyKeysFromTheCompletion() {
        // The same Mistral with and without its window: the completion's scores must differ, or the test above could
        // not tell a window applied to the prefix from none.
        ModelConfig base = ModelConfig.llama(48, 16, 2, 4, 2, 24, 32).toBuilder().family(ModelFamily.MISTRAL).build();
        CausalLM full = new CausalLM(base);
        CausalLM windowed = new CausalLM(base.toBuilder().slidingWindow(3).build());
        FiniteDifferences.randomize(full.parameters(), 7, 0.4);
        FiniteDifferences.randomize(windowed.parameters(), 7, 0.4);
        double a = SharedPrefixLogProbs.tokenLogProbs(full, PROMPT, COMPLETIONS, 0, 0).get(4)[3];
        double b = SharedPrefixLogProbs.tokenLogProbs(windowed, PROMPT, COMPLETIONS, 0, 0).get(4)[3];
        org.junit.jupiter.api.Assertions.assertTrue(Math.abs(a - b) > 1e-3, a + " vs " + b);
    }

    @Test
    void rejectsAnEmptyPromptOrCompletion() {
        CausalLM model = models().get(0);
        assertThrows(IllegalArgumentException.class,
                () -> SharedPrefixLogProbs.tokenLogProbs(model, new int[0], COMPLETIONS, 0, 0));
        assertThrows(IllegalArgumentException.class,
                () -> SharedPrefixLogProbs.tokenLogProbs(model, PROMPT, List.of(new int[] {1}, new int[0]), 0, 0));
    }
}
