package org.alignspark.common.lm;

import static org.alignspark.common.lm.FiniteDifferences.check;
import static org.alignspark.common.lm.FiniteDifferences.dot;
import static org.alignspark.common.lm.FiniteDifferences.gaussian;
import static org.alignspark.common.lm.FiniteDifferences.randomize;

import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Every layer's backward against central finite differences of L = Σ forward(x) ⊙ R, in float64. */
class LayerGradientTest {
    private static final int N = 6;

    /** Checks dL/dx and dL/dθ for every parameter registered in {@code params}. */
    private static void checkLayer(String name, Parameters params, INDArray x, Function<INDArray, INDArray> forward,
                                   Function<INDArray, INDArray> backward) {
        randomize(params, 11, 0.5);
        INDArray y = forward.apply(x);
        INDArray r = gaussian(99, 1.0, y.shape());
        params.zeroGradients();
        INDArray dx = backward.apply(r).dup();
        Map<String, INDArray> grads = params.gradients();
        check(name + " dx", x, dx, () -> dot(forward.apply(x), r), 1000, 1);
        for (var e : params.values().entrySet()) {
            check(name + " d" + e.getKey(), e.getValue(), grads.get(e.getKey()),
                    () -> dot(forward.apply(x), r), 1000, 2);
        }
    }

    @Test
    void linearInHuggingFaceLayoutMatchesFiniteDifferences() {
        Parameters params = new Parameters(DataType.DOUBLE);
        Linear linear = new Linear(params, "proj", 5, 7, true, Linear.Layout.OUT_IN);
        checkLayer("linear", params, gaussian(1, 1.0, N, 5), linear::forward, linear::backward);
    }

    @Test
    void linearInConv1dLayoutMatchesFiniteDifferences() {
        Parameters params = new Parameters(DataType.DOUBLE);
        Linear linear = new Linear(params, "c_fc", 5, 7, true, Linear.Layout.IN_OUT);
        checkLayer("conv1d", params, gaussian(2, 1.0, N, 5), linear::forward, linear::backward);
    }

    @Test
    void layerNormMatchesFiniteDifferences() {
        Parameters params = new Parameters(DataType.DOUBLE);
        Norm norm = Norm.layerNorm(params, "ln", 8, 1e-5);
        checkLayer("layernorm", params, gaussian(3, 2.0, N, 8), norm::forward, norm::backward);
    }

    @Test
    void rmsNormMatchesFiniteDifferences() {
        Parameters params = new Parameters(DataType.DOUBLE);
        Norm norm = Norm.rmsNorm(params, "norm", 8, 1e-6);
        checkLayer("rmsnorm", params, gaussian(4, 2.0, N, 8), norm::forward, norm::backward);
    }

    @Test
    void gemmaRmsNormWithOnePlusWeightGainMatchesFiniteDifferences() {
        Parameters params = new Parameters(DataType.DOUBLE);
        Norm norm = Norm.rmsNormOnePlusWeight(params, "norm", 8, 1e-6);
        checkLayer("gemma rmsnorm", params, gaussian(4, 2.0, N, 8), norm::forward, norm::backward);
    }

    @Test
    void gemmaRmsNormMultipliesByOnePlusTheStoredWeight() {
        // x = [1, 2, 3, 4]: mean(x²) = 7.5; w = [0, 1, −0.5, 2] → gains [1, 2, 0.5, 3]
        Parameters params = new Parameters(DataType.DOUBLE);
        Norm norm = Norm.rmsNormOnePlusWeight(params, "norm", 4, 1e-6);
        params.values().get("norm.weight").assign(Nd4j.create(new double[] {0, 1, -0.5, 2}, new long[] {4},
                DataType.DOUBLE));
        double r = 1 / Math.sqrt(7.5 + 1e-6);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {r, 4 * r, 1.5 * r, 12 * r},
                norm.forward(Nd4j.create(new double[] {1, 2, 3, 4}, new long[] {1, 4}, DataType.DOUBLE))
                        .reshape(4).toDoubleVector(), 1e-12);
    }

    @Test
    void geluTanhMatchesFiniteDifferences() {
        GeluTanh gelu = new GeluTanh();
        checkLayer("gelu", new Parameters(DataType.DOUBLE), gaussian(5, 2.0, N, 8), gelu::forward, gelu::backward);
    }

    @Test
    void geGluMlpMatchesFiniteDifferences() {
        Parameters params = new Parameters(DataType.DOUBLE);
        Mlp mlp = new Mlp.GeGluMlp(params, "mlp.", mlpConfig(ModelFamily.GEMMA2, 6, 10));
        checkLayer("geglu", params, gaussian(7, 1.0, N, 6), mlp::forward, mlp::backward);
    }

    /** A one-layer config of width d and MLP width dFf in float64. */
    private static ModelConfig mlpConfig(ModelFamily family, int d, int dFf) {
        return new ModelConfig(family, 16, d, 1, 1, 1, d, dFf, 8, 1e-5, 10000.0, false, false, false, null, 0, 0, 0, 0,
                DataType.DOUBLE);
    }

    @Test
    void geluMlpMatchesFiniteDifferences() {
        Parameters params = new Parameters(DataType.DOUBLE);
        Mlp mlp = new Mlp.GeluMlp(params, "mlp.", mlpConfig(ModelFamily.GPT2, 6, 12));
        checkLayer("gelu mlp", params, gaussian(6, 1.0, N, 6), mlp::forward, mlp::backward);
    }

    @Test
    void swiGluMlpMatchesFiniteDifferences() {
        Parameters params = new Parameters(DataType.DOUBLE);
        Mlp mlp = new Mlp.SwiGluMlp(params, "mlp.", mlpConfig(ModelFamily.LLAMA, 6, 10));
        checkLayer("swiglu", params, gaussian(7, 1.0, N, 6), mlp::forward, mlp::backward);
    }

    @Test
    void embeddingMatchesFiniteDifferences() {
        Parameters params = new Parameters(DataType.DOUBLE);
        Embedding embedding = new Embedding(params, "wte.weight", 9, 4);
        int[] ids = {3, 0, 3, 8, 1, 3};
        randomize(params, 8, 1.0);
        INDArray r = gaussian(9, 1.0, ids.length, 4);
        embedding.forward(ids);
        embedding.backward(r);
        check("embedding", params.values().get("wte.weight"), params.gradients().get("wte.weight"),
                () -> dot(embedding.forward(ids), r), 1000, 3);
    }

    @Test
    void ropeMatchesFiniteDifferences() {
        INDArray[] tables = Rope.tables(new int[][] {{0, 1, 2}, {5, 0, 7}},
                Rope.inverseFrequencies(6, 10000.0, null), DataType.DOUBLE);
        INDArray x = gaussian(10, 1.0, 2, 3, 3, 6);
        Function<INDArray, INDArray> rope = in -> {
            INDArray out = in.dup();
            Rope.forward(out, tables[0], tables[1]);
            return out;
        };
        INDArray r = gaussian(11, 1.0, 2, 3, 3, 6);
        INDArray dx = r.dup();
        Rope.backward(dx, tables[0], tables[1]);
        check("rope", x, dx, () -> dot(rope.apply(x), r), 1000, 4);
    }

    @Test
    void ropeRotatesHalvesAsHuggingFaceRotateHalf() {
        // head_dim 4, position 1: angles [1, 1e-2] for θ = 1e4; x = [1, 2, 3, 4] -> [x1 cos − x3 sin, ...]
        INDArray[] tables = Rope.tables(new int[][] {{1}}, Rope.inverseFrequencies(4, 10000.0, null),
                DataType.DOUBLE);
        INDArray x = Nd4j.create(new double[] {1, 2, 3, 4}, new long[] {1, 1, 1, 4}, DataType.DOUBLE);
        Rope.forward(x, tables[0], tables[1]);
        double c0 = Math.cos(1), s0 = Math.sin(1), c1 = Math.cos(0.01), s1 = Math.sin(0.01);
        double[] expected = {1 * c0 - 3 * s0, 2 * c1 - 4 * s1, 3 * c0 + 1 * s0, 4 * c1 + 2 * s1};
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, x.reshape(4).toDoubleVector(), 1e-12);
    }

    @Test
    void llama3RopeScalingKeepsHighDividesLowAndInterpolatesMiddleFrequencies() {
        // Llama 3.2: θ = 5e5, factor 32, low 1, high 4, original context 8192; values from HF's formula in float64
        double[] inv = Rope.inverseFrequencies(64, 500000.0, new ModelConfig.RopeScaling(32, 1, 4, 8192));
        org.junit.jupiter.api.Assertions.assertEquals(1.0, inv[0], 0);
        org.junit.jupiter.api.Assertions.assertEquals(0.003211445994752591, inv[14], 1e-15);
        org.junit.jupiter.api.Assertions.assertEquals(0.001290547928209264, inv[15], 1e-15);
        org.junit.jupiter.api.Assertions.assertEquals(9.70828780262767e-05, inv[17], 1e-17);
        org.junit.jupiter.api.Assertions.assertEquals(1.9461638184831125e-05, inv[18], 1e-17);
        org.junit.jupiter.api.Assertions.assertEquals(9.41830672543491e-08, inv[31], 1e-20);
    }

    private static Step step(ModelConfig config, Batch batch) {
        CausalLM model = new CausalLM(config);   // borrowed to build the mask and RoPE tables
        model.forward(batch);
        return stepOf(model);
    }

    private static Step stepOf(CausalLM model) {
        try {
            var field = CausalLM.class.getDeclaredField("step");
            field.setAccessible(true);
            return (Step) field.get(model);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static final Batch PADDED = new Batch(new int[][] {{1, 2, 3, 4}, {0, 5, 6, 7}},
            new int[][] {{1, 1, 1, 1}, {0, 1, 1, 1}});

    private void checkAttention(ModelConfig config, String name) {
        Parameters params = new Parameters(DataType.DOUBLE);
        CausalSelfAttention attention = new CausalSelfAttention(config, params, "attn.", 0);
        Step step = step(config, PADDED);
        checkLayer(name, params, gaussian(12, 1.0, 8, config.dModel()), x -> attention.forward(x, step),
                attention::backward);
    }

    @Test
    void gpt2AttentionWithPaddingMatchesFiniteDifferences() {
        checkAttention(ModelConfig.gpt2(16, 8, 1, 2, 8).withDataType(DataType.DOUBLE), "gpt2 attention");
    }

    @Test
    void groupedQueryAttentionWithRopeMatchesFiniteDifferences() {
        checkAttention(ModelConfig.llama(16, 8, 1, 4, 2, 12, 8).withDataType(DataType.DOUBLE), "gqa attention");
    }

    @Test
    void attentionWithQkvBiasMatchesFiniteDifferences() {
        checkAttention(ModelConfig.llama(16, 8, 1, 2, 1, 12, 8).toBuilder().qkvBias(true).dataType(DataType.DOUBLE).build(),
                "qkv-bias attention");
    }

    @Test
    void attentionWithQwen3HeadNormsMatchesFiniteDifferences() {
        checkAttention(ModelConfig.llama(16, 8, 1, 4, 2, 12, 8).toBuilder().family(ModelFamily.QWEN3).headDim(6)
                .dataType(DataType.DOUBLE).build(), "qwen3 attention");
    }

    @Test
    void attentionWithSlidingWindowMatchesFiniteDifferences() {
        checkAttention(ModelConfig.llama(16, 8, 1, 4, 2, 12, 8).toBuilder().family(ModelFamily.MISTRAL).slidingWindow(2)
                .dataType(DataType.DOUBLE).build(), "sliding-window attention");
    }

    @Test
    void slidingWindowMaskShowsTheLastWPositionsOfThePaddedRow() {
        // W = 2: query i sees keys i − 1 and i (HF: kv_idx > q_idx − W); row 1 is left-padded by one
        Batch batch = new Batch(new int[][] {{1, 2, 3, 4}, {0, 5, 6, 7}}, new int[][] {{1, 1, 1, 1}, {0, 1, 1, 1}});
        INDArray mask = AttentionMask.additive(batch, null, 0, 2, DataType.DOUBLE);
        int[][][] visible = {
                {{1, 0, 0, 0}, {1, 1, 0, 0}, {0, 1, 1, 0}, {0, 0, 1, 1}},
                {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 1, 1, 0}, {0, 0, 1, 1}}};   // the pad query sees itself only
        for (int b = 0; b < 2; b++) {
            for (int q = 0; q < 4; q++) {
                for (int k = 0; k < 4; k++) {
                    org.junit.jupiter.api.Assertions.assertEquals(visible[b][q][k] == 1 ? 0.0 : AttentionMask.MASKED,
                            mask.getDouble(b, 0, q, k), "row " + b + " query " + q + " key " + k);
                }
            }
        }
    }

    /** One Gemma 2 layer (layer 0: sliding window 2) with attention scores capped at {@code cap}. */
    private static ModelConfig gemma2(double cap) {
        return ModelConfig.llama(16, 8, 1, 4, 2, 12, 8).toBuilder().family(ModelFamily.GEMMA2).headDim(6)
                .tieWordEmbeddings(true).slidingWindow(2).gemmaScaling(5, cap, 2.0).dataType(DataType.DOUBLE)
                .build();
    }

    @Test
    void softCappedAttentionWithQueryPreAttnScalarMatchesFiniteDifferences() {
        checkAttention(gemma2(0.5), "gemma2 attention");
    }

    @Test
    void gemma2SandwichNormBlockMatchesFiniteDifferences() {
        // a milder cap than the attention test's: the block's norm gains near 2 push scores to ~10, where
        // tanh(s / cap) saturates for small caps and central differences lose their 1e-6 accuracy
        ModelConfig config = gemma2(5.0);
        Parameters params = new Parameters(DataType.DOUBLE);
        TransformerBlock block = new TransformerBlock(config, params, 0);
        Step step = step(config, PADDED);
        checkLayer("gemma2 block", params, gaussian(13, 1.0, 8, 8), x -> block.forward(x, step), block::backward);
    }

    @Test
    void transformerBlocksOfBothFamiliesMatchFiniteDifferences() {
        for (ModelConfig config : new ModelConfig[] {
                ModelConfig.gpt2(16, 8, 1, 2, 8).withDataType(DataType.DOUBLE),
                ModelConfig.llama(16, 8, 1, 4, 2, 12, 8).withDataType(DataType.DOUBLE)}) {
            Parameters params = new Parameters(DataType.DOUBLE);
            TransformerBlock block = new TransformerBlock(config, params, 0);
            Step step = step(config, PADDED);
            checkLayer(config.family() + " block", params, gaussian(13, 1.0, 8, 8), x -> block.forward(x, step),
                    block::backward);
        }
    }
}
