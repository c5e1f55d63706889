package org.alignspark.common.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.objectives.ListRankingLoss;
import org.alignspark.common.objectives.TrlMetricNames;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.train.BatchResult;
import org.alignspark.common.train.LearningRateSchedule;
import org.alignspark.common.train.Optimizer;
import org.alignspark.common.train.OptimizerConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ListRankingObjectiveTest {
    private static final int PAD = 0;

    /** Toy lists: three responses opening with tokens 3 (label 2), 4 (label 1) and 5 (label 0), in a random order. */
    private static List<RankedList> lists(CausalLM reference, int n, long seed) {
        Random random = new Random(seed);
        List<RankedList> out = new ArrayList<>();
        for (int l = 0; l < n; l++) {
            int[] prompt = random.ints(2 + random.nextInt(3), 6, 16).toArray();
            List<Integer> order = new ArrayList<>(List.of(3, 4, 5));
            java.util.Collections.shuffle(order, random);
            int[][] responses = new int[3][];
            double[] labels = new double[3];
            for (int k = 0; k < 3; k++) {
                responses[k] = new int[] {order.get(k), random.nextInt(6, 16)};
                labels[k] = 5 - order.get(k);
            }
            double[] ref = CompletionLogProbs.forward(reference, List.of(prompt, prompt, prompt), List.of(responses), PAD).sums();
            out.add(new RankedList("l" + l, prompt, responses, labels, ref));
        }
        return out;
    }

    @Test
    void gradientMatchesCentralDifferencesForBothWeightings() {
        CausalLM reference = CausalLM.initialize(GradientCheck.CONFIG, 1);
        List<RankedList> batch = lists(reference, 3, 7);
        for (ListRankingLoss.Weighting weighting : ListRankingLoss.Weighting.values()) {
            ListRankingLoss.Config config = new ListRankingLoss.Config(0.5, weighting);
            GradientCheck.assertMatches(() -> new ListRankingObjective(config, PAD), GradientCheck.perturbedPolicy(), batch);
        }
    }

    @Test
    void accuracyIsOverAllOrderedPairsOfTheBatch() {
        CausalLM reference = CausalLM.initialize(GradientCheck.CONFIG, 1);
        LanguageModel policy = GradientCheck.perturbedPolicy();
        List<RankedList> batch = lists(reference, 4, 3);
        BatchResult result = new ListRankingObjective(ListRankingLoss.Config.defaults(), PAD).lossAndGradients(policy, batch);
        long ordered = 0;
        for (RankedList list : batch) {
            double[] s = CompletionLogProbs.forward(policy.lm(), List.of(list.prompt(), list.prompt(), list.prompt()),
                    List.of(list.responses()), PAD).sums();
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    ordered += list.labels()[i] > list.labels()[j] && s[i] - list.refLogps()[i] > s[j] - list.refLogps()[j] ? 1 : 0;
                }
            }
        }
        assertEquals(ordered / 12.0, result.metricMeans().get(TrlMetricNames.REWARDS_ACCURACIES), 1e-12);
    }

    @Test
    void rejectsListWhoseResponsesAllShareOneLabel() {
        RankedList flat = new RankedList("flat", new int[] {6}, new int[][] {{3}, {4}}, new double[] {1, 1}, new double[] {-1, -1});
        assertThrows(IllegalArgumentException.class,
                () -> new ListRankingObjective(ListRankingLoss.Config.defaults(), PAD).lossAndGradients(GradientCheck.perturbedPolicy(), List.of(flat)));
    }

    @Test
    void rankingRaisesHeldOutPairwiseAccuracy() {
        ModelConfig config = ModelConfig.gpt2(16, 16, 1, 2, 16);
        CausalLM reference = CausalLM.initialize(config, 3);
        LanguageModel policy = new LanguageModel(CausalLM.initialize(config, 3));
        ListRankingObjective objective = new ListRankingObjective(ListRankingLoss.Config.defaults(), PAD);
        Optimizer adam = new Optimizer(OptimizerConfig.adamW(new LearningRateSchedule(0.01, 3, 40, LearningRateSchedule.Shape.COSINE), 0, 1), policy);
        List<RankedList> train = lists(reference, 32, 1);
        for (int step = 0; step < 40; step++) {
            policy.zeroGradients();
            objective.lossAndGradients(policy, train.subList((step * 4) % 32, (step * 4) % 32 + 4));
            adam.step(step, 0);
        }
        BatchResult held = new ListRankingObjective(ListRankingLoss.Config.defaults(), PAD).lossAndGradients(policy, lists(reference, 40, 2));
        double accuracy = held.metricMeans().get(TrlMetricNames.REWARDS_ACCURACIES);
        assertTrue(accuracy > 0.9, "held-out pairwise ranking accuracy " + accuracy);
    }
}
