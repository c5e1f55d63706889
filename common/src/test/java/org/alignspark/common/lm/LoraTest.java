package org.alignspark.common.lm;

import static org.alignspark.common.lm.FiniteDifferences.check;
import static org.alignspark.common.lm.FiniteDifferences.dot;
import static org.alignspark.common.lm.FiniteDifferences.gaussian;
import static org.alignspark.common.lm.FiniteDifferences.randomize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import org.alignspark.common.sft.CompletionOnlyLoss;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.sft.SftExample;
import org.alignspark.common.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** LoRA adapters on a frozen base (Hu et al. 2021): the start equals the base, only A and B train, gradients check. */
class LoraTest {
    private static final Batch BATCH = new Batch(
            new int[][] {{3, 1, 4, 1, 5}, {0, 0, 9, 2, 6}, {5, 3, 5, 0, 0}},
            new int[][] {{1, 1, 1, 1, 1}, {0, 0, 1, 1, 1}, {1, 1, 1, 0, 0}});
    private static final LoraConfig EVERY_PROJECTION = new LoraConfig(4, 8, 0.0, List.of());

    private static CausalLM base(ModelConfig config, DataType type) {
        CausalLM base = CausalLM.frozen(config.withDataType(type));
        randomize(base.baseParameters(), 21, 0.3);
        return base;
    }

    private static ModelConfig llama() {
        return ModelConfig.llama(24, 16, 2, 4, 2, 24, 16);
    }

    private static ModelConfig gpt2() {
        return ModelConfig.gpt2(24, 16, 2, 2, 8);
    }

    @Test
    void adaptedModelEqualsItsBaseAtStepZero() {
        CausalLM base = base(llama(), DataType.FLOAT);
        INDArray expected = base.forward(BATCH).dup();
        CausalLM adapted = base.withLora(EVERY_PROJECTION, 7);
        assertEquals(expected, adapted.forward(BATCH));
        // A is not zero (else the adapter could never learn: dL/dB = s·dy·(A x)ᵀ would vanish)
        assertTrue(adapted.parameters().values().get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")
                .norm2Number().doubleValue() > 0);
    }

    @Test
    void aIsKaimingUniformAsPeftDrawsItAndBIsZero() {
        // nn.init.kaiming_uniform_(a=√5): bound = gain·√(3 / fan_in), gain = √(2 / (1 + a²)) = √(1/3); fan_in = 16
        double bound = Math.sqrt(2.0 / (1 + 5)) * Math.sqrt(3.0 / 16);
        CausalLM adapted = base(llama(), DataType.DOUBLE).withLora(new LoraConfig(8, 16, 0.0, List.of()), 3);
        INDArray a = adapted.parameters().values().get("base_model.model.model.layers.1.mlp.up_proj.lora_A.weight");
        assertEquals(List.of(8L, 16L), List.of(a.shape()[0], a.shape()[1]));
        assertTrue(a.amaxNumber().doubleValue() <= bound);
        // U(−b, b) has standard deviation b/√3; 128 draws: within 20%
        assertEquals(bound / Math.sqrt(3), a.stdNumber().doubleValue(), 0.2 * bound / Math.sqrt(3));
        INDArray b = adapted.parameters().values().get("base_model.model.model.layers.1.mlp.up_proj.lora_B.weight");
        assertEquals(List.of(24L, 8L), List.of(b.shape()[0], b.shape()[1]));
        assertEquals(0.0, b.amaxNumber().doubleValue());
    }

    @Test
    void defaultTargetsAreEveryAttentionAndMlpProjectionAsPeftNamesThem() {
        assertEquals(List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
                ModelFamily.LLAMA.projectionModules());
        assertEquals(List.of("c_attn", "c_proj", "c_fc"), ModelFamily.GPT2.projectionModules());
        CausalLM llama = base(llama(), DataType.FLOAT).withLora(EVERY_PROJECTION, 1);
        // per layer: q, k, v [16 → 16], [16 → 8] ×2 (2 kv heads of 4), o [16 → 16], gate, up [16 → 24], down [24 → 16]
        long perLayer = 4 * ((16 + 16) + 2 * (16 + 8) + (16 + 16) + 2 * (16 + 24) + (24 + 16));
        assertEquals(2 * perLayer, llama.parameters().count());
        assertEquals(28, llama.parameters().values().size());
        CausalLM gpt2 = base(gpt2(), DataType.FLOAT).withLora(EVERY_PROJECTION, 1);
        assertEquals(2 * 4 * 2, gpt2.parameters().values().size());   // c_attn, attn.c_proj, c_fc, mlp.c_proj
        assertTrue(gpt2.adaptedModules().contains("h.1.mlp.c_proj"));
        assertTrue(gpt2.adaptedModules().contains("h.1.attn.c_proj"));
        CausalLM qv = base(llama(), DataType.FLOAT).withLora(new LoraConfig(2, 4, 0, List.of("q_proj", "v_proj")), 1);
        assertEquals(List.of("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
                "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj"), List.copyOf(qv.adaptedModules()));
    }

    @Test
    void rejectsATargetModuleTheModelDoesNotHave() {
        CausalLM base = base(llama(), DataType.FLOAT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> base.withLora(new LoraConfig(2, 4, 0, List.of("q_proj", "c_attn")), 1));
        assertTrue(e.getMessage().contains("[c_attn] not found"), e.getMessage());
    }

    @Test
    void frozenBaseHoldsNoGradientsAndIsNotChangedByBackward() {
        CausalLM base = base(llama(), DataType.DOUBLE);
        Map<String, INDArray> before = copy(base.baseParameters().values());
        CausalLM adapted = base.withLora(EVERY_PROJECTION, 5);
        randomize(adapted.parameters(), 9, 0.3);
        assertTrue(base.baseParameters().gradients().isEmpty());
        assertTrue(adapted.baseParameters().gradients().isEmpty());
        adapted.forward(BATCH);
        adapted.logProbs(adapted.nextTokenTargets());
        adapted.backwardFromLogProbs(gaussian(5, 1.0, 3, 5), null);
        assertEquals(adapted.parameters().values().keySet(), adapted.parameters().gradients().keySet());
        assertTrue(adapted.parameters().gradients().values().stream().allMatch(g -> g.norm2Number().doubleValue() > 0));
        assertEquals(before, base.baseParameters().values());
    }

    @Test
    void twoAdaptedModelsShareOneBase() {
        CausalLM base = base(llama(), DataType.DOUBLE);
        CausalLM first = base.withLora(EVERY_PROJECTION, 1);
        CausalLM second = base.withLora(EVERY_PROJECTION, 2);
        assertTrue(first.baseParameters().values().get("lm_head.weight") == second.baseParameters().values()
                .get("lm_head.weight"));
        randomize(first.parameters(), 3, 0.3);
        INDArray firstLogits = first.forward(BATCH).dup();
        assertEquals(base.forward(BATCH), second.forward(BATCH));
        assertNotEquals(firstLogits, second.forward(BATCH));
    }

    private static void checkAdapterGradients(ModelConfig config, LoraConfig lora) {
        CausalLM adapted = base(config, DataType.DOUBLE).withLora(lora, 11);
        randomize(adapted.parameters(), 13, 0.3);       // B ≠ 0, so dL/dA does not vanish
        adapted.forward(BATCH);
        int[][] targets = adapted.nextTokenTargets();
        INDArray w = gaussian(5, 1.0, 3, 5);
        INDArray r = gaussian(6, 1.0, 3, 5, config.dModel());
        DoubleSupplier loss = () -> {
            adapted.forward(BATCH);
            return dot(adapted.logProbs(targets), w) + dot(adapted.hiddenStates(), r);
        };
        loss.getAsDouble();
        adapted.parameters().zeroGradients();
        adapted.backwardFromLogProbs(w, r);
        long seed = 0;
        for (var e : adapted.parameters().values().entrySet()) {
            check(config.family() + " " + e.getKey(), e.getValue(),
                    adapted.parameters().gradients().get(e.getKey()).dup(), loss, 6, seed++);
        }
    }

    @Test
    void llamaAdapterGradientsMatchFiniteDifferences() {
        checkAdapterGradients(llama(), new LoraConfig(3, 6, 0.0, List.of()));
    }

    @Test
    void gpt2ConvAdapterGradientsMatchFiniteDifferences() {
        checkAdapterGradients(gpt2(), new LoraConfig(2, 5, 0.0, List.of()));
    }

    @Test
    void completionLossGradientThroughAdaptersMatchesCentralDifferences() {
        CausalLM adapted = base(llama(), DataType.DOUBLE).withLora(new LoraConfig(2, 4, 0.0, List.of("v_proj",
                "down_proj")), 4);
        randomize(adapted.parameters(), 8, 0.3);
        List<SftExample> batch = List.of(new SftExample("a", new int[] {3, 1}, new int[] {4, 1, 5}),
                new SftExample("b", new int[] {9}, new int[] {2, 6}));
        GradientCheck.assertMatches("lora sft", () -> new CompletionOnlyLoss(0), new LanguageModel(adapted), batch);
    }

    @Test
    void completionLossGradientThroughAdaptersWithLogitChunksMatchesCentralDifferences() {
        // 2 rows × 5 positions in chunks of 3 (3, 3, 3, 1): the setting travels from the base to the adapted model
        CausalLM adapted = base(gpt2(), DataType.DOUBLE).setLogitChunkTokens(3)
                .withLora(new LoraConfig(2, 4, 0.0, List.of("c_attn", "c_fc")), 4);
        randomize(adapted.parameters(), 8, 0.3);
        List<SftExample> batch = List.of(new SftExample("a", new int[] {3, 1}, new int[] {4, 1, 5}),
                new SftExample("b", new int[] {9}, new int[] {2, 6}));
        GradientCheck.assertMatches("lora sft chunked", () -> new CompletionOnlyLoss(0), new LanguageModel(adapted), batch);
    }

    @Test
    void dropoutActsOnTheAdapterInputOnlyWhileTraining() {
        CausalLM base = base(llama(), DataType.DOUBLE);
        CausalLM adapted = base.withLora(new LoraConfig(4, 8, 0.5, List.of()), 2);
        randomize(adapted.parameters(), 3, 0.3);
        INDArray evaluation = adapted.forward(BATCH).dup();
        adapted.train(true);
        INDArray first = adapted.forward(BATCH).dup();
        INDArray second = adapted.forward(BATCH).dup();
        assertNotEquals(evaluation, first);
        assertNotEquals(first, second);
        adapted.train(false);
        assertEquals(evaluation, adapted.forward(BATCH));
        // with B = 0 the adapters add nothing, dropout or not: dropout never touches the base path
        CausalLM fresh = base.withLora(new LoraConfig(4, 8, 0.5, List.of()), 2);
        fresh.train(true);
        assertEquals(base.forward(BATCH), fresh.forward(BATCH));
    }

    @Test
    void dropoutGradientMatchesFiniteDifferencesUnderAFixedMask() {
        // p = 0.3 while training; the mask is redrawn per forward, so fix it by re-seeding: a fresh model per loss
        LoraConfig lora = new LoraConfig(3, 6, 0.3, List.of());
        CausalLM base = base(llama(), DataType.DOUBLE);
        CausalLM adapted = base.withLora(lora, 11);
        randomize(adapted.parameters(), 13, 0.3);
        Map<String, INDArray> values = adapted.parameters().values();
        int[][] targets = new int[][] {{1, 4, 1, 5, -1}, {-1, -1, 2, 6, -1}, {3, 5, -1, -1, -1}};
        INDArray w = gaussian(5, 1.0, 3, 5);
        DoubleSupplier loss = () -> {
            CausalLM again = base.withLora(lora, 11);     // same seed: the same masks
            again.parameters().values().forEach((k, v) -> v.assign(values.get(k)));
            again.train(true);
            again.forward(BATCH);
            return dot(again.logProbs(targets), w);
        };
        CausalLM once = base.withLora(lora, 11);
        once.parameters().values().forEach((k, v) -> v.assign(values.get(k)));
        once.train(true);
        once.forward(BATCH);
        once.logProbs(targets);
        once.backwardFromLogProbs(w, null);
        assertFalse(once.parameters().gradients().isEmpty());
        long seed = 40;
        for (var e : values.entrySet()) {
            check("dropout " + e.getKey(), e.getValue(), once.parameters().gradients().get(e.getKey()).dup(), loss, 4,
                    seed++);
        }
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> values) {
        Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }
}
