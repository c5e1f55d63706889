package org.alignspark.common.lm;

import static org.alignspark.common.lm.FiniteDifferences.gaussian;
import static org.alignspark.common.lm.FiniteDifferences.randomize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Log-probs of the targets computed in chunks of rows of logits ({@link CausalLM#forwardHidden}): no [N, V] array is
 * held through forward and backward, counted by {@link CausalLM#activationBytes()}. (Their values and gradients are
 * checked against the PyTorch reference in GoldenOutputsTest and against finite differences in ModelGradientTest.)
 */
class LogitChunksTest {
    private static final Batch BATCH = new Batch(
            new int[][] {{3, 1, 4, 1, 5}, {0, 0, 9, 2, 6}, {5, 3, 5, 0, 0}},
            new int[][] {{1, 1, 1, 1, 1}, {0, 0, 1, 1, 1}, {1, 1, 1, 0, 0}});
    private static final int ROWS = 15;

    /** A vocabulary far wider than the model, so that one [N, V] buffer outweighs every other activation. */
    private static final int VOCAB = 4096;

    private static CausalLM wideModel(ModelConfig config) {
        CausalLM model = new CausalLM(config.withDataType(DataType.DOUBLE));
        randomize(model.parameters(), 21, 0.3);
        return model;
    }

    /** forward (hidden only), log-probs, backward from w and r; the bytes the model then holds. */
    private static long trainStepBytes(CausalLM model) {
        model.forwardHidden(BATCH);
        model.logProbs(model.nextTokenTargets());
        model.parameters().zeroGradients();
        model.backwardFromLogProbs(gaussian(5, 1.0, 3, 5), gaussian(6, 1.0, 3, 5, model.config().dModel()));
        return model.activationBytes();
    }

    @Test
    void chunkedForwardAndBackwardHoldNoBufferOfEveryRowsLogits() {
        List<ModelConfig> configs = List.of(ModelConfig.gpt2(VOCAB, 8, 1, 2, 8),
                ModelConfig.llama(VOCAB, 8, 1, 2, 1, 12, 8),
                ModelConfig.llama(VOCAB, 8, 1, 2, 1, 12, 8).toBuilder().family(ModelFamily.GEMMA2).headDim(4)
                        .tieWordEmbeddings(true).gemmaScaling(5, 1.0, 2.0).build());
        long wholeLogits = (long) ROWS * VOCAB * Double.BYTES;                    // one [N, V] buffer: 480 KiB
        for (ModelConfig config : configs) {
            CausalLM whole = wideModel(config).setLogitChunkTokens(0);
            long wholeBytes = trainStepBytes(whole);
            // the whole path keeps the logits and dL/dlogits, [N, V] each
            assertTrue(wholeBytes >= 2 * wholeLogits, config.family() + ": whole path holds " + wholeBytes);

            CausalLM chunked = wideModel(config).setLogitChunkTokens(3);
            long chunkedBytes = trainStepBytes(chunked);
            // two [3, V] chunk buffers (logits, dL/dz) and the trunk's activations, far less than one [N, V]
            assertTrue(chunkedBytes < wholeLogits, config.family() + ": chunked path holds " + chunkedBytes
                    + " bytes, one [N, V] buffer is " + wholeLogits);
            assertTrue(chunkedBytes >= 2L * 3 * VOCAB * Double.BYTES, config.family() + ": " + chunkedBytes);
            assertEquals(chunkedBytes / (double) ROWS / config.nLayers(), chunked.activationBytesPerTokenPerLayer(), 1e-9);
        }
    }

    @Test
    void chunkedLogProbsAndGradientsEqualTheWholePath() {
        ModelConfig config = ModelConfig.llama(24, 16, 2, 4, 2, 24, 16).toBuilder().family(ModelFamily.GEMMA2)
                .headDim(6).tieWordEmbeddings(true).slidingWindow(2).gemmaScaling(5, 1.0, 2.0).build();
        CausalLM whole = wideModel(config).setLogitChunkTokens(0);
        CausalLM chunked = wideModel(config).setLogitChunkTokens(4);
        INDArray w = gaussian(5, 1.0, 3, 5);
        whole.forward(BATCH);
        INDArray expected = whole.logProbs(whole.nextTokenTargets()).dup();
        whole.parameters().zeroGradients();
        whole.backwardFromLogProbs(w, null);
        chunked.forwardHidden(BATCH);
        INDArray actual = chunked.logProbs(chunked.nextTokenTargets());
        chunked.parameters().zeroGradients();
        chunked.backwardFromLogProbs(w, null);
        assertEquals(0.0, expected.sub(actual).amaxNumber().doubleValue(), 1e-12);
        for (var e : whole.parameters().gradients().entrySet()) {
            INDArray g = chunked.parameters().gradients().get(e.getKey());
            assertEquals(0.0, e.getValue().sub(g).amaxNumber().doubleValue(), 1e-12, e.getKey());
        }
    }

    @Test
    void logitsAfterTheHiddenForwardAreThoseOfTheFullForward() {
        CausalLM model = wideModel(ModelConfig.gpt2(32, 8, 1, 2, 8)).setLogitChunkTokens(2);
        INDArray full = model.forward(BATCH).dup();
        model.forwardHidden(BATCH);
        assertEquals(0.0, full.slice(1).slice(3).sub(model.logitsAt(1, 3)).amaxNumber().doubleValue(), 1e-12);
        model.logProbs(model.nextTokenTargets());                               // in chunks of 2: nothing kept whole
        assertEquals(0.0, full.sub(model.logits()).amaxNumber().doubleValue(), 1e-12);
    }

    @Test
    void defaultChunkFollowsTheByteBudgetAndSettingsCarryOver() {
        // 64 MiB / (151 936 · 4 bytes) = 110 rows of Qwen2.5's vocabulary; 262 words: every batch in one chunk
        assertEquals(110, new CausalLM(ModelConfig.llama(151_936, 8, 1, 2, 1, 12, 8)).logitChunkRows());
        assertEquals(64 * 1024, new CausalLM(ModelConfig.llama(256, 8, 1, 2, 1, 12, 8)).logitChunkRows());
        CausalLM model = CausalLM.frozen(ModelConfig.llama(24, 16, 2, 4, 2, 24, 16)).setLogitChunkTokens(5);
        assertEquals(5, model.replica().logitChunkTokens());
        assertEquals(5, model.withLora(new LoraConfig(2, 4, 0.0, List.of()), 1).logitChunkTokens());
        assertEquals(5, model.withLora(new LoraConfig(2, 4, 0.0, List.of()), 1).withoutAdapters().logitChunkTokens());
        assertEquals(Integer.MAX_VALUE, model.setLogitChunkTokens(0).logitChunkRows());
        assertThrows(IllegalArgumentException.class, () -> model.setLogitChunkTokens(-2));
    }
}
