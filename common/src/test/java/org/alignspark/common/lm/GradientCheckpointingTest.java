package org.alignspark.common.lm;

import static org.alignspark.common.lm.FiniteDifferences.gaussian;
import static org.alignspark.common.lm.FiniteDifferences.randomize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Gradient checkpointing ({@link CausalLM#setGradientCheckpointing}): the same log-probs and gradients as the model that
 * keeps every block's activations (whose gradients ModelGradientTest checks against finite differences and
 * GoldenOutputsTest against PyTorch), with one block's buffers instead of one per layer.
 */
class GradientCheckpointingTest {
    private static final Batch BATCH = new Batch(
            new int[][] {{3, 1, 4, 1, 5}, {0, 0, 9, 2, 6}, {5, 3, 5, 0, 0}},
            new int[][] {{1, 1, 1, 1, 1}, {0, 0, 1, 1, 1}, {1, 1, 1, 0, 0}});

    private static final List<ModelConfig> FAMILIES = List.of(
            ModelConfig.gpt2(24, 16, 3, 2, 8),
            ModelConfig.llama(24, 16, 3, 4, 2, 24, 16),
            ModelConfig.llama(24, 16, 3, 4, 2, 24, 16).toBuilder().family(ModelFamily.QWEN3).headDim(6).build(),
            ModelConfig.llama(24, 16, 3, 4, 2, 24, 16).toBuilder().family(ModelFamily.GEMMA2).headDim(6)
                    .tieWordEmbeddings(true).slidingWindow(2).gemmaScaling(5, 1.0, 2.0).build());

    private static CausalLM model(ModelConfig config, boolean checkpointing) {
        CausalLM model = new CausalLM(config.withDataType(DataType.DOUBLE)).setGradientCheckpointing(checkpointing);
        randomize(model.parameters(), 21, 0.3);
        return model;
    }

    /** Forward (hidden states), log-probs, backward from dL/d(log-probs) and dL/d(hidden); returns the log-probs. */
    private static INDArray step(CausalLM model) {
        model.forwardHidden(BATCH);
        INDArray logProbs = model.logProbs(model.nextTokenTargets()).dup();
        model.parameters().zeroGradients();
        model.backwardFromLogProbs(gaussian(5, 1.0, 3, 5), gaussian(6, 1.0, 3, 5, model.config().dModel()));
        return logProbs;
    }

    private static void assertSameGradients(CausalLM expected, CausalLM actual, String what) {
        Map<String, INDArray> gradients = actual.parameters().gradients();
        assertEquals(expected.parameters().gradients().keySet(), gradients.keySet());
        for (var e : expected.parameters().gradients().entrySet()) {
            INDArray g = gradients.get(e.getKey());
            assertEquals(0.0, e.getValue().sub(g).amaxNumber().doubleValue(), 1e-12, what + ": " + e.getKey());
        }
    }

    @Test
    void logProbsAndGradientsEqualThoseOfTheModelThatKeepsEveryActivation() {
        for (ModelConfig config : FAMILIES) {
            CausalLM plain = model(config, false);
            CausalLM checkpointed = model(config, true);
            for (int round = 0; round < 2; round++) {                          // the second step reuses the buffers
                INDArray expected = step(plain);
                INDArray actual = step(checkpointed);
                assertEquals(0.0, expected.sub(actual).amaxNumber().doubleValue(), 1e-12, config.family().name());
                assertSameGradients(plain, checkpointed, config.family().name());
            }
        }
    }

    @Test
    void holdsOneBlockOfActivationsAndEachBlocksInput() {
        ModelConfig config = ModelConfig.llama(24, 16, 8, 4, 2, 48, 16);
        CausalLM plain = model(config, false);
        CausalLM checkpointed = model(config, true);
        step(plain);
        step(checkpointed);
        CausalLM single = model(ModelConfig.llama(24, 16, 1, 4, 2, 48, 16), false);
        step(single);
        long inputs = 8L * 15 * 16 * Double.BYTES;                              // L block inputs of [N, d]
        long carry = 15L * 16 * Double.BYTES;                                   // dL/d(block output) [N, d]
        // one block's buffers and the model's own (embeddings, final norm, head), as the 1-layer model holds them
        assertEquals(single.activationBytes() + inputs + carry, checkpointed.activationBytes());
        assertTrue(plain.activationBytes() > 3 * checkpointed.activationBytes(),
                plain.activationBytes() + " against " + checkpointed.activationBytes());

        // a frozen model (inference only) runs its forward in one set of block buffers too, with the same logits
        CausalLM frozen = CausalLM.frozen(config.withDataType(DataType.DOUBLE));
        randomize(frozen.baseParameters(), 21, 0.3);
        CausalLM frozenSingle = CausalLM.frozen(ModelConfig.llama(24, 16, 1, 4, 2, 48, 16).withDataType(DataType.DOUBLE));
        INDArray expected = plain.forward(BATCH).dup();
        assertEquals(0.0, expected.sub(frozen.forward(BATCH)).amaxNumber().doubleValue(), 1e-12);
        frozenSingle.forward(BATCH);
        assertEquals(frozenSingle.activationBytes() + inputs - carry, frozen.activationBytes());   // it keeps 1 input
    }

    @Test
    void adapterDropoutIsDrawnAgainInTheRecomputation() {
        LoraConfig lora = new LoraConfig(2, 4, 0.3, List.of());
        for (ModelConfig config : List.of(FAMILIES.get(0), FAMILIES.get(1))) {
            CausalLM base = CausalLM.frozen(config.withDataType(DataType.DOUBLE));
            randomize(base.baseParameters(), 21, 0.3);
            CausalLM plain = base.withLora(lora, 7);
            CausalLM checkpointed = base.withLora(lora, 7).setGradientCheckpointing(true);
            CausalLM noDropout = base.withLora(lora, 7);
            for (CausalLM m : List.of(plain, checkpointed, noDropout)) {
                randomize(m.parameters(), 13, 0.3);                             // B ≠ 0, so dropout changes the loss
                m.train(m != noDropout);
            }
            INDArray expected = step(plain);
            assertEquals(0.0, expected.sub(step(checkpointed)).amaxNumber().doubleValue(), 1e-12);
            assertSameGradients(plain, checkpointed, config.family().name() + " with dropout");
            assertNotEquals(0.0, expected.sub(step(noDropout)).amaxNumber().doubleValue(), "dropout was on");
        }
    }

    @Test
    void inferenceAfterACheckpointedStepAndTheSettingCarriesOver() {
        ModelConfig config = FAMILIES.get(1);
        CausalLM plain = model(config, false);
        CausalLM checkpointed = model(config, true);
        step(checkpointed);
        INDArray expected = plain.forward(BATCH).dup();
        assertEquals(0.0, expected.sub(checkpointed.forward(BATCH)).amaxNumber().doubleValue(), 1e-12);
        KvCache cache = checkpointed.newKvCache(3, 8);                           // decoding keeps every block's buffers
        assertEquals(0.0, expected.sub(checkpointed.forward(BATCH, cache)).amaxNumber().doubleValue(), 1e-12);
        step(checkpointed);                                                       // and a checkpointed step after it
        step(plain);
        assertSameGradients(plain, checkpointed, "after decoding");

        CausalLM frozen = CausalLM.frozen(config).setGradientCheckpointing(true);
        assertTrue(frozen.replica().gradientCheckpointing());
        assertTrue(frozen.withLora(new LoraConfig(2, 4, 0.0, List.of()), 1).gradientCheckpointing());
        assertTrue(frozen.withoutAdapters().gradientCheckpointing());
    }
}
