package org.alignspark.common.lm.decoding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.GenerationConfig;
import org.alignspark.common.lm.Generator;
import org.alignspark.common.lm.LogitProcessor;
import org.alignspark.common.lm.ModelConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The processors inside Generator: their models follow the sampled tokens, and zero weights change nothing. */
class GuidedGenerationTest {
    private static final int VOCAB = 40;
    private static final List<int[]> PROMPTS = List.of(new int[] {5, 9, 2}, new int[] {7}, new int[] {1, 2, 3, 4, 5});
    private static final long[] SEEDS = {11, 22, 33};
    private static final List<int[]> NEGATIVES = List.of(new int[] {30, 31, 32, 33}, new int[] {8, 8});

    /** A tiny Llama with weights scaled up so its next-token distributions are peaked and differ between seeds. */
    private static CausalLM model(long seed, int vocab) {
        CausalLM model = CausalLM.initialize(ModelConfig.llama(vocab, 16, 2, 4, 2, 24, 64).withDataType(DataType.DOUBLE), seed);
        for (INDArray p : model.parameters().values().values()) {
            if (p.rank() == 2) {
                p.muli(15);
            }
        }
        return model;
    }

    private static final CausalLM POLICY = model(1, VOCAB);
    private static final CausalLM BASE = model(2, VOCAB);
    private static final CausalLM EXPERT = model(3, VOCAB);

    private static double[] lastLogits(CausalLM model, int[] tokens) {
        INDArray logits = model.forward(Batch.of(tokens));                   // [1, T, V]
        return logits.slice(0).slice(tokens.length - 1).toDoubleVector();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void steerSeesTheBaseAndNegativeContextsOfTheSequenceSoFar() {
        GenerationConfig config = GenerationConfig.sampling(4, 1.0, 0, 1.0);
        LogitProcessor session = new SteerGuidance(BASE, 1.5, POLICY, NEGATIVES, 0.7).open(PROMPTS, config);
        int[][] appended = {{3, 4, 5}, {6, 7, 8}, {9, 10, 11}};
        for (int step = 0; step < 3; step++) {
            for (int i = 0; i < PROMPTS.size(); i++) {
                int[] context = concat(PROMPTS.get(i), Arrays.copyOf(appended[i], step));
                double[] policy = lastLogits(POLICY, context);
                double[][] negatives = NEGATIVES.stream().map(n -> lastLogits(POLICY, concat(n, context))).toArray(double[][]::new);
                double[] expected = SteerGuidance.steer(policy, lastLogits(BASE, context), negatives, 1.5, 0.7);
                assertArrayEquals(expected, session.process(i, context, policy), 1e-9, "step " + step + " sequence " + i);
            }
            int[] next = {appended[0][step], appended[1][step], appended[2][step]};
            session.advance(next, new int[] {1, 1, 1});
        }
    }

    @Test
    void fusionSeesEveryExpertOnTheSequenceSoFar() {
        GenerationConfig config = GenerationConfig.sampling(4, 1.0, 0, 1.0);
        LogitFusion fusion = new LogitFusion(BASE, List.of(EXPERT, POLICY), LogitFusion.Mode.DYNAMIC, 2.0, 1.0);
        LogitProcessor session = fusion.open(PROMPTS, config);
        int[] appended = {12, 13};
        for (int step = 0; step < 2; step++) {
            for (int i = 0; i < PROMPTS.size(); i++) {
                int[] context = concat(PROMPTS.get(i), Arrays.copyOf(appended, step));
                double[] large = lastLogits(POLICY, context);
                double[] small = lastLogits(BASE, context);
                double[][] experts = {lastLogits(EXPERT, context), lastLogits(POLICY, context)};
                double[] expected = LogitFusion.fuse(large, small, experts, fusion.alphas(large, small, experts));
                assertArrayEquals(expected, session.process(i, context, large), 1e-9);
            }
            session.advance(new int[] {appended[step], appended[step], appended[step]}, new int[] {1, 1, 1});
        }
    }

    @Test
    void zeroWeightsLeaveSamplingUnchanged() {
        GenerationConfig config = GenerationConfig.sampling(8, 1.0, 0, 1.0);
        List<int[]> plain = Generator.generate(POLICY, PROMPTS, SEEDS, config);
        for (LogitProcessor zero : new LogitProcessor[] {
                new SteerGuidance(BASE, 0.0, POLICY, NEGATIVES, 0.0),
                new LogitFusion(BASE, List.of(EXPERT), LogitFusion.Mode.STATIC, 0.0, 1.0),
                new LogitFusion(BASE, List.of(EXPERT), LogitFusion.Mode.DYNAMIC, 0.0, 1.0),
                new LogitFusion(BASE, List.of(EXPERT), LogitFusion.Mode.DYNAMIC, 3.0, 0.0)}) {
            List<int[]> processed = Generator.generate(POLICY, PROMPTS, SEEDS, config.withProcessors(zero));
            for (int i = 0; i < PROMPTS.size(); i++) {
                assertArrayEquals(plain.get(i), processed.get(i));
            }
        }
    }

    @Test
    void guidedSamplingIsSeededAndIndependentOfTheBatch() {
        GenerationConfig config = GenerationConfig.sampling(8, 1.0, 0, 1.0).withProcessors(
                new SteerGuidance(BASE, 2.0, POLICY, NEGATIVES, 1.0),
                new LogitFusion(BASE, List.of(EXPERT), LogitFusion.Mode.DYNAMIC, 2.0, 1.0));
        List<int[]> batched = Generator.generate(POLICY, PROMPTS, SEEDS, config);
        List<int[]> again = Generator.generate(POLICY, PROMPTS, SEEDS, config);
        List<int[]> plain = Generator.generate(POLICY, PROMPTS, SEEDS, GenerationConfig.sampling(8, 1.0, 0, 1.0));
        boolean guidanceChangedSomething = false;
        for (int i = 0; i < PROMPTS.size(); i++) {
            assertArrayEquals(batched.get(i), again.get(i));
            List<int[]> alone = Generator.generate(POLICY, List.of(PROMPTS.get(i)), new long[] {SEEDS[i]}, config);
            assertArrayEquals(alone.get(0), batched.get(i));
            guidanceChangedSomething |= !Arrays.equals(plain.get(i), batched.get(i));
        }
        assertTrue(guidanceChangedSomething, "weights 2 and 1 should change some sample");
    }

    @Test
    void negativePrefixIsCutToTheModelsPositions() {
        CausalLM gpt2 = CausalLM.initialize(ModelConfig.gpt2(VOCAB, 16, 1, 2, 64), 5);   // learned positions: 64 at most
        int[] longPrefix = new int[100];
        Arrays.fill(longPrefix, 20);
        GenerationConfig config = GenerationConfig.greedy(6).withProcessors(
                new SteerGuidance(null, 0.0, gpt2, List.of(longPrefix), 1.0));
        List<int[]> out = Generator.generate(gpt2, PROMPTS, SEEDS, config);
        assertEquals(6, out.get(0).length);
    }

    @Test
    void rejectsModelsOverAnotherVocabulary() {
        GenerationConfig config = GenerationConfig.greedy(3).withProcessors(
                new SteerGuidance(model(4, VOCAB + 1), 1.0, null, List.of(), 0.0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Generator.generate(POLICY, PROMPTS, SEEDS, config));
        assertTrue(e.getMessage().contains("tokenizer"), e.getMessage());
    }
}
