package org.alignspark.common.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.objectives.BcoLoss;
import org.alignspark.common.objectives.KtoLoss;
import org.alignspark.common.objectives.RunningMoments;
import org.alignspark.common.objectives.TrlMetricNames;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.train.BatchResult;
import org.alignspark.common.train.LearningRateSchedule;
import org.alignspark.common.train.Objective;
import org.alignspark.common.train.Optimizer;
import org.alignspark.common.train.OptimizerConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** KtoObjective and BcoObjective on tiny models: gradients, metrics, δ across rounds, and learning a toy labelling. */
class FeedbackObjectivesTest {
    private static final int PAD = 0;

    /**
     * Toy binary feedback: a completion starting with token 3 is desirable, one starting with 4 undesirable. The
     * mismatched completion of example i is example (i + 1)'s, as ref-logprobs pairs them; {@code refKlShift} is added
     * to its reference log-prob.
     */
    private static List<FeedbackExample> examples(CausalLM reference, int n, long seed, double refKlShift, double weight) {
        Random random = new Random(seed);
        List<int[]> prompts = new ArrayList<>();
        List<int[]> completions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            prompts.add(random.ints(2 + random.nextInt(3), 5, 16).toArray());
            completions.add(new int[] {random.nextBoolean() ? 3 : 4, random.nextInt(5, 16)});
        }
        List<FeedbackExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] kl = completions.get((i + 1) % n);
            double[] ref = CompletionLogProbs.forward(reference, List.of(prompts.get(i), prompts.get(i)),
                    List.of(completions.get(i), kl), PAD).sums();
            out.add(new FeedbackExample("e" + i, prompts.get(i), completions.get(i), completions.get(i)[0] == 3, ref[0], kl,
                    ref[1] + refKlShift, weight));
        }
        return out;
    }

    @Test
    void ktoGradientMatchesCentralDifferences() {
        CausalLM reference = CausalLM.initialize(GradientCheck.CONFIG, 1);
        // a large reference KL log-prob clamps z₀ at 0, so the detached reference point cannot move under the probe
        List<FeedbackExample> batch = examples(reference, 4, 7, 100, 1);
        KtoLoss.Config config = new KtoLoss.Config(0.5, 1.0, 1.5, KtoLoss.Type.KTO);
        GradientCheck.assertMatches(() -> new KtoObjective(config, PAD), GradientCheck.perturbedPolicy(), batch);
    }

    @Test
    void bcoGradientMatchesCentralDifferences() {
        CausalLM reference = CausalLM.initialize(GradientCheck.CONFIG, 1);
        List<FeedbackExample> batch = examples(reference, 4, 7, 0, 2.5);
        // a long history pins δ near 0.05, so this batch's update moves it by ~1e−12 under the probe
        GradientCheck.assertMatches(() -> new BcoObjective(BcoLoss.Config.defaults(), PAD, new RunningMoments(0.05, 1, 1, 1e12)),
                GradientCheck.perturbedPolicy(), batch);
    }

    @Test
    void ktoLogsReferencePointAndPerLabelMeans() {
        CausalLM reference = CausalLM.initialize(GradientCheck.CONFIG, 1);
        LanguageModel policy = GradientCheck.perturbedPolicy();
        List<FeedbackExample> batch = examples(reference, 6, 3, 0, 1);
        BatchResult result = new KtoObjective(KtoLoss.Config.defaults(), PAD).lossAndGradients(policy, batch);
        double klSum = 0;
        double rewardD = 0;
        int nD = 0;
        for (FeedbackExample e : batch) {
            double[] s = CompletionLogProbs.forward(policy.lm(), List.of(e.prompt(), e.prompt()), List.of(e.completion(), e.klCompletion()), PAD).sums();
            klSum += s[1] - e.refLogpKl();
            if (e.desirable()) {
                rewardD += 0.1 * (s[0] - e.refLogp());
                nD++;
            }
        }
        Map<String, Double> m = result.metricMeans();
        assertEquals(Math.max(0, klSum / batch.size()), m.get(TrlMetricNames.KL), 1e-9);
        assertEquals(rewardD / nD, m.get(TrlMetricNames.REWARDS_CHOSEN), 1e-9);
        assertEquals(m.get(TrlMetricNames.REWARDS_CHOSEN) - m.get(TrlMetricNames.REWARDS_REJECTED), m.get(TrlMetricNames.REWARDS_MARGINS), 1e-9);
    }

    @Test
    void ktoRejectsExampleWithoutMismatchedCompletion() {
        CausalLM reference = CausalLM.initialize(GradientCheck.CONFIG, 1);
        FeedbackExample e = examples(reference, 2, 1, 0, 1).get(0);
        FeedbackExample bare = new FeedbackExample("bare", e.prompt(), e.completion(), true, e.refLogp(), new int[0], Double.NaN, 1);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new KtoObjective(KtoLoss.Config.defaults(), PAD).lossAndGradients(GradientCheck.perturbedPolicy(), List.of(e, bare)));
        assertTrue(error.getMessage().contains("bare"), error.getMessage());
    }

    @Test
    void bcoDriverFoldOfRoundsGivesTheMeanOfAllImplicitRewards() {
        CausalLM reference = CausalLM.initialize(GradientCheck.CONFIG, 1);
        LanguageModel policy = GradientCheck.perturbedPolicy();
        BcoObjective driver = new BcoObjective(BcoLoss.Config.defaults(), PAD);
        double all = 0;
        int count = 0;
        for (long seed = 1; seed <= 3; seed++) {
            List<FeedbackExample> batch = examples(reference, 5, seed, 0, 1);
            // a worker works on its own copy; the driver folds the round's reported sums afterwards
            BatchResult round = new BcoObjective(BcoLoss.Config.defaults(), PAD, new RunningMoments(driver.delta(), 1, 1, 1e-24 + count))
                    .lossAndGradients(policy, batch);
            driver.foldRound(round.examples(), round.metricMeans());
            for (FeedbackExample e : batch) {
                all += 0.1 * (CompletionLogProbs.forward(policy.lm(), List.of(e.prompt()), List.of(e.completion()), PAD).sums()[0] - e.refLogp());
                count++;
            }
        }
        assertEquals(all / count, driver.delta(), 1e-9);
    }

    @Test
    void ktoSeparatesHeldOutDesirableFromUndesirable() {
        assertLearnsToSeparate(reference -> new KtoObjective(new KtoLoss.Config(0.5, 1, 1, KtoLoss.Type.KTO), PAD));
    }

    @Test
    void bcoSeparatesHeldOutDesirableFromUndesirable() {
        assertLearnsToSeparate(reference -> new BcoObjective(new BcoLoss.Config(0.5, 0.5, 10), PAD));
    }

    private static void assertLearnsToSeparate(java.util.function.Function<CausalLM, Objective<FeedbackExample, LanguageModel>> make) {
        ModelConfig config = ModelConfig.gpt2(16, 16, 1, 2, 16);
        CausalLM reference = CausalLM.initialize(config, 3);
        LanguageModel policy = new LanguageModel(CausalLM.initialize(config, 3));
        Objective<FeedbackExample, LanguageModel> objective = make.apply(reference);
        Optimizer adam = new Optimizer(OptimizerConfig.adamW(new LearningRateSchedule(0.01, 3, 60, LearningRateSchedule.Shape.COSINE), 0, 1), policy);
        List<FeedbackExample> train = examples(reference, 64, 1, 0, 1);
        for (int step = 0; step < 60; step++) {
            policy.zeroGradients();
            objective.lossAndGradients(policy, train.subList((step * 8) % 64, (step * 8) % 64 + 8));
            adam.step(step, 0);
        }
        assertTrue(heldOutSeparation(policy, examples(reference, 80, 2, 0, 1)) > 0.9);
    }

    /** Share of (desirable, undesirable) held-out pairs whose implicit rewards are in order (an AUC). */
    static double heldOutSeparation(LanguageModel policy, List<FeedbackExample> held) {
        List<Double> good = new ArrayList<>();
        List<Double> bad = new ArrayList<>();
        for (FeedbackExample e : held) {
            double lr = CompletionLogProbs.forward(policy.lm(), List.of(e.prompt()), List.of(e.completion()), PAD).sums()[0] - e.refLogp();
            (e.desirable() ? good : bad).add(lr);
        }
        long ordered = 0;
        for (double g : good) {
            for (double b : bad) {
                ordered += g > b ? 1 : 0;
            }
        }
        return (double) ordered / (good.size() * bad.size());
    }
}
