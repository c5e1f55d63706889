package org.alignspark.common.lm;

import static org.alignspark.common.lm.FiniteDifferences.check;
import static org.alignspark.common.lm.FiniteDifferences.dot;
import static org.alignspark.common.lm.FiniteDifferences.gaussian;
import static org.alignspark.common.lm.FiniteDifferences.randomize;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The whole model's backward against central finite differences in float64, for
 * L = Σ w ⊙ log p(next token) + Σ R ⊙ hidden (a policy loss plus a reward head on the final hidden state).
 */
class ModelGradientTest {
    private static final Batch BATCH = new Batch(
            new int[][] {{3, 1, 4, 1, 5}, {0, 0, 9, 2, 6}, {5, 3, 5, 0, 0}},
            new int[][] {{1, 1, 1, 1, 1}, {0, 0, 1, 1, 1}, {1, 1, 1, 0, 0}});
    private static final int SAMPLES_PER_TENSOR = 6;

    private static void checkModel(ModelConfig config) {
        checkModel(config, 0);
    }

    /**
     * With {@code logitChunk} &gt; 0 the model runs {@link CausalLM#forwardHidden} and computes the logits that many
     * rows at a time, forward and backward (15 rows: chunks of 4, 4, 4, 3).
     */
    private static void checkModel(ModelConfig config, int logitChunk) {
        CausalLM model = new CausalLM(config.withDataType(DataType.DOUBLE));
        randomize(model.parameters(), 21, 0.3);
        model.setLogitChunkTokens(logitChunk);
        model.forward(BATCH);
        int[][] targets = model.nextTokenTargets();
        INDArray w = gaussian(5, 1.0, 3, 5);
        INDArray r = gaussian(6, 1.0, 3, 5, config.dModel());
        java.util.function.DoubleSupplier loss = () -> {
            if (logitChunk > 0) {
                model.forwardHidden(BATCH);
            } else {
                model.forward(BATCH);
            }
            return dot(model.logProbs(targets), w) + dot(model.hiddenStates(), r);
        };
        loss.getAsDouble();
        model.parameters().zeroGradients();
        model.backwardFromLogProbs(w, r);
        var grads = model.parameters().gradients();
        long seed = 0;
        for (var e : model.parameters().values().entrySet()) {
            INDArray analytic = grads.get(e.getKey()).dup();
            check(config.family() + " " + e.getKey(), e.getValue(), analytic, loss, SAMPLES_PER_TENSOR, seed++);
        }
    }

    @Test
    void gpt2GradientsMatchFiniteDifferences() {
        checkModel(ModelConfig.gpt2(24, 16, 2, 2, 8));
    }

    @Test
    void llamaWithGroupedQueryAttentionGradientsMatchFiniteDifferences() {
        checkModel(ModelConfig.llama(24, 16, 2, 4, 2, 24, 16));
    }

    @Test
    void qwen2StyleQkvBiasWithTiedEmbeddingsGradientsMatchFiniteDifferences() {
        checkModel(ModelConfig.llama(24, 16, 2, 4, 1, 24, 16).toBuilder().qkvBias(true).tieWordEmbeddings(true)
                .ropeTheta(1e6).build());
    }

    @Test
    void qwen3HeadNormsWithExplicitHeadDimGradientsMatchFiniteDifferences() {
        // head_dim 6 ≠ d / heads = 4: q_proj [24, 16], o_proj [16, 24]; q_norm and k_norm gains of 6
        checkModel(ModelConfig.llama(24, 16, 2, 4, 2, 24, 16).toBuilder().family(ModelFamily.QWEN3).headDim(6)
                .tieWordEmbeddings(true).build());
    }

    @Test
    void mistralSlidingWindowGradientsMatchFiniteDifferences() {
        // window 2 over rows of 5: every query past the second loses keys to the window
        checkModel(ModelConfig.llama(24, 16, 2, 4, 2, 24, 16).toBuilder().family(ModelFamily.MISTRAL).slidingWindow(2)
                .build());
    }

    @Test
    void phi3GradientsMatchFiniteDifferences() {
        checkModel(ModelConfig.llama(24, 16, 2, 4, 2, 24, 16).toBuilder().family(ModelFamily.PHI3).slidingWindow(3)
                .build());
    }

    /** Gemma 2 with caps small enough to bend this model's scores and logits, window 2 in layer 0 only. */
    static ModelConfig tinyGemma2() {
        return ModelConfig.llama(24, 16, 2, 4, 2, 24, 16).toBuilder().family(ModelFamily.GEMMA2).headDim(6)
                .tieWordEmbeddings(true).slidingWindow(2).gemmaScaling(5, 1.0, 2.0).build();
    }

    @Test
    void gemma2GradientsMatchFiniteDifferences() {
        checkModel(tinyGemma2());
    }

    @Test
    void gpt2GradientsWithLogitChunksMatchFiniteDifferences() {
        checkModel(ModelConfig.gpt2(24, 16, 2, 2, 8), 4);
    }

    @Test
    void llamaGradientsWithLogitChunksMatchFiniteDifferences() {
        checkModel(ModelConfig.llama(24, 16, 2, 4, 2, 24, 16), 4);
    }

    @Test
    void gemma2SoftCapGradientsWithLogitChunksMatchFiniteDifferences() {
        checkModel(tinyGemma2(), 4);
    }

    @Test
    void hiddenStateGradientAloneMatchesFiniteDifferences() {
        // a reward head reads only the final hidden states: backward(null, dHidden)
        CausalLM model = new CausalLM(ModelConfig.gpt2(16, 8, 2, 2, 8).withDataType(DataType.DOUBLE));
        randomize(model.parameters(), 4, 0.3);
        INDArray r = gaussian(8, 1.0, 3, 5, 8);
        java.util.function.DoubleSupplier loss = () -> {
            model.forward(BATCH);
            return dot(model.hiddenStates(), r);
        };
        loss.getAsDouble();
        model.parameters().zeroGradients();
        model.backward(null, r);
        long seed = 200;
        for (var e : model.parameters().values().entrySet()) {
            check("hidden " + e.getKey(), e.getValue(), model.parameters().gradients().get(e.getKey()).dup(), loss,
                    SAMPLES_PER_TENSOR, seed++);
        }
    }

    @Test
    void logitGradientsMatchFiniteDifferences() {
        ModelConfig config = ModelConfig.llama(16, 8, 2, 2, 2, 12, 16).withDataType(DataType.DOUBLE);
        CausalLM model = new CausalLM(config);
        randomize(model.parameters(), 3, 0.3);
        INDArray r = gaussian(7, 1.0, 3, 5, 16);
        java.util.function.DoubleSupplier loss = () -> dot(model.forward(BATCH), r);
        loss.getAsDouble();
        model.parameters().zeroGradients();
        model.backward(r, null);
        long seed = 100;
        for (var e : model.parameters().values().entrySet()) {
            check("logits " + e.getKey(), e.getValue(), model.parameters().gradients().get(e.getKey()).dup(), loss,
                    SAMPLES_PER_TENSOR, seed++);
        }
    }
}
