package org.alignspark.common.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.objectives.DpoLoss;
import org.alignspark.common.sft.CompletionLogProbs;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.train.BatchResult;
import org.alignspark.common.train.LearningRateSchedule;
import org.alignspark.common.train.Optimizer;
import org.alignspark.common.train.OptimizerConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
            ModelConfig config = ModelConfig.llama(16, 8, 1, 2, 1, 16, 16).withDataType(DataType.DOUBLE);
            CausalLM reference = CausalLM.initialize(config, 1);
            LanguageModel policy = new LanguageModel(CausalLM.initialize(config, 2));
            long seed = 20;
            for (INDArray p : policy.parameters().values()) {
                p.addi(Nd4j.randn(seed++, p.shape()).castTo(DataType.DOUBLE).muli(0.3));
            }
            DpoObjective objective = new DpoObjective(new DpoLoss.Config(0.5, type, 0, false, type == DpoLoss.Type.SIGMOID ? 0.5 : 0), PAD);
            List<PolicyPair> batch = pairs(reference, 3, 7);
            policy.zeroGradients();
            objective.lossAndGradients(policy, batch);
            Map<String, INDArray> analytic = new LinkedHashMap<>();
            policy.gradients().forEach((k, g) -> analytic.put(k, g.dup()));
            for (Map.Entry<String, INDArray> e : policy.parameters().entrySet()) {
                INDArray param = e.getValue();
                for (long k = 0; k < Math.min(3, param.length()); k++) {
                    long index = (k * 104729) % param.length();
                    double saved = param.getDouble(index);
                    param.putScalar(index, saved + 1e-5);
                    double plus = loss(objective, policy, batch);
                    param.putScalar(index, saved - 1e-5);
                    double minus = loss(objective, policy, batch);
                    param.putScalar(index, saved);
                    double numeric = (plus - minus) / 2e-5;
                    double a = analytic.get(e.getKey()).getDouble(index);
                    double error = Math.abs(a - numeric);
                    assertTrue(error <= 1e-9 || error / Math.max(Math.abs(a), Math.abs(numeric)) <= 1e-6,
                            type + " " + e.getKey() + "[" + index + "]: analytic " + a + ", numeric " + numeric);
                }
            }
        }
    }

    private static double loss(DpoObjective objective, LanguageModel policy, List<PolicyPair> batch) {
        policy.zeroGradients();
        BatchResult result = objective.lossAndGradients(policy, batch);
        return result.meanLoss();
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
