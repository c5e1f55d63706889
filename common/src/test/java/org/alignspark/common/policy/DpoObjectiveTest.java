package org.alignspark.common.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.objectives.DpoLoss;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.train.LearningRateSchedule;
import org.alignspark.common.train.Optimizer;
import org.alignspark.common.train.OptimizerConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class DpoObjectiveTest {
    private static final int PAD = 0;

    private static List<PolicyPair> pairs(CausalLM reference, int n, long seed) {
        Random random = new Random(seed);
        List<PolicyPair> pairs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] prompt = random.ints(2 + random.nextInt(3), 5, 16).toArray();
            int[] chosen = {3, random.nextInt(5, 16)};
            int[] rejected = {4, random.nextInt(5, 16)};
            double[] ref = CompletionLogProbs.forward(reference, List.of(prompt, prompt), List.of(chosen, rejected), PAD).sums();
            pairs.add(new PolicyPair("p" + i, prompt, chosen, rejected, ref[0], ref[1]));
        }
        return pairs;
    }

    @Test
    void everyLossTypeGradientMatchesCentralDifferences() {
        for (DpoLoss.Type type : DpoLoss.Type.values()) {
            CausalLM reference = CausalLM.initialize(GradientCheck.CONFIG, 1);
            // ROBUST at ε = 0 is SIGMOID, so it is checked at ε = 0.2, where its −ε log σ(−z) term is live
            double smoothing = type == DpoLoss.Type.ROBUST ? 0.2 : 0;
            DpoLoss.Config config = new DpoLoss.Config(0.5, type, smoothing, false, type == DpoLoss.Type.SIGMOID ? 0.5 : 0);
            GradientCheck.assertMatches(type.toString(), () -> new DpoObjective(config, PAD), GradientCheck.perturbedPolicy(),
                    pairs(reference, 3, 7));
        }
    }

    @Test
    void dpoRaisesImplicitRewardAccuracyOnHeldOutPairs() {
        ModelConfig config = ModelConfig.gpt2(16, 16, 1, 2, 16);
        CausalLM reference = CausalLM.initialize(config, 3);
        LanguageModel policy = new LanguageModel(CausalLM.initialize(config, 3));
        DpoObjective objective = new DpoObjective(DpoLoss.Config.defaults().withType(DpoLoss.Type.SIGMOID), PAD);
        Optimizer adam = new Optimizer(OptimizerConfig.adamW(new LearningRateSchedule(0.01, 3, 60, LearningRateSchedule.Shape.COSINE), 0, 1), policy);
        List<PolicyPair> train = pairs(reference, 64, 1);
        for (int step = 0; step < 60; step++) {
            policy.zeroGradients();
            objective.lossAndGradients(policy, train.subList((step * 8) % 64, (step * 8) % 64 + 8));
            adam.step(step, 0);
        }
        List<PolicyPair> held = pairs(reference, 100, 2);
        long correct = held.stream().filter(p -> {
            double[] s = CompletionLogProbs.forward(policy.lm(), List.of(p.prompt(), p.prompt()), List.of(p.chosen(), p.rejected()), PAD).sums();
            return (s[0] - p.refChosen()) > (s[1] - p.refRejected());
        }).count();
        assertTrue(correct >= 90, "held-out implicit-reward accuracy " + correct + "/100");
    }
}
