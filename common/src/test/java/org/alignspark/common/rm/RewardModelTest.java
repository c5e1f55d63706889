package org.alignspark.common.rm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.lm.ModelFamily;
import org.alignspark.common.objectives.BradleyTerryLoss;
import org.alignspark.common.testing.GradientCheck;
import org.alignspark.common.train.LearningRateSchedule;
import org.alignspark.common.train.Optimizer;
import org.alignspark.common.train.OptimizerConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RewardModelTest {
    private static final int PAD = 0;

    private static ModelConfig tiny(ModelFamily family, DataType dataType) {
        ModelConfig c = family == ModelFamily.GPT2
                ? ModelConfig.gpt2(16, 8, 1, 2, 16)
                : ModelConfig.llama(16, 8, 1, 2, 1, 16, 16);
        return c.withDataType(dataType);
    }

    private static final List<RewardPair> PAIRS = List.of(
            new RewardPair("a", new int[]{1, 5, 7, 3}, new int[]{1, 5, 7, 9, 4}, 1.0),
            new RewardPair("b", new int[]{2, 6, 3}, new int[]{2, 6, 8, 11, 12, 4}, 2.0));

    @Test
    void pairLossGradientsMatchCentralDifferences() {
        for (ModelFamily family : new ModelFamily[] {ModelFamily.GPT2, ModelFamily.LLAMA}) {   // the two tiny() builds
            RewardModel model = RewardModel.initialize(tiny(family, DataType.DOUBLE), 3);
            // Away from initialisation's near-zero weights, where LayerNorm's curvature swamps central differences.
            long seed = 11;
            for (Map.Entry<String, INDArray> p : model.parameters().entrySet()) {
                INDArray noise = Nd4j.randn(seed++, p.getValue().shape()).castTo(DataType.DOUBLE).muli(0.3);
                boolean gain = (p.getKey().contains("norm") || p.getKey().contains("ln_")) && p.getKey().endsWith("weight");
                p.getValue().assign(gain ? noise.addi(1.0) : noise);
            }
            GradientCheck.assertMatches(family.toString(), () -> new PairwiseRewardObjective(
                    new BradleyTerryLoss.Config(BradleyTerryLoss.Form.MARGIN, 0.01), PAD), model, PAIRS);
        }
    }

    @Test
    void regressionLossGradientsMatchCentralDifferences() {
        ModelConfig config = tiny(ModelFamily.LLAMA, DataType.DOUBLE);
        RewardModel model = new RewardModel(org.alignspark.common.lm.CausalLM.initialize(config, 3),
                RewardModel.initialHead(2, config.dModel(), DataType.DOUBLE, 4));
        long seed = 31;
        for (INDArray p : model.parameters().values()) {
            p.addi(Nd4j.randn(seed++, p.shape()).castTo(DataType.DOUBLE).muli(0.3));
        }
        List<RatedSequence> rated = List.of(new RatedSequence("a", new int[] {1, 5, 7, 3}, new double[] {4, 2}),
                new RatedSequence("b", new int[] {2, 6, 8, 11, 12}, new double[] {0, 2.5}));
        GradientCheck.assertMatches("regression", () -> new RegressionRewardObjective(PAD), model, rated);
    }

    @Test
    void rewardIsTheSameWithEitherPaddingAndAlone() {
        RewardModel model = RewardModel.initialize(tiny(ModelFamily.LLAMA, DataType.DOUBLE), 5);
        List<int[]> rows = List.of(new int[]{1, 2, 3}, new int[]{4, 5, 6, 7, 8});
        double[] right = model.rewards(Batch.padded(rows, Batch.Padding.RIGHT, PAD));
        double[] left = model.rewards(Batch.padded(rows, Batch.Padding.LEFT, PAD));
        double[] alone = {model.rewards(Batch.of(rows.get(0)))[0], model.rewards(Batch.of(rows.get(1)))[0]};
        assertArrayEquals(alone, right, 1e-10);
        assertArrayEquals(alone, left, 1e-10);
    }

    /** Chosen responses end in token 3, rejected ones in token 4, after random shared prefixes. */
    static List<RewardPair> separablePairs(int n, long seed) {
        Random random = new Random(seed);
        List<RewardPair> pairs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int length = 2 + random.nextInt(5);
            int[] prefix = random.ints(length, 5, 16).toArray();
            int[] chosen = java.util.Arrays.copyOf(prefix, length + 1);
            int[] rejected = java.util.Arrays.copyOf(prefix, length + 1);
            chosen[length] = 3;
            rejected[length] = 4;
            pairs.add(new RewardPair("pair-" + i, chosen, rejected, 1.0));
        }
        return pairs;
    }

    @Test
    void bradleyTerryLearnsASeparableToyProblem() {
        RewardModel model = RewardModel.initialize(tiny(ModelFamily.GPT2, DataType.FLOAT), 7);
        PairwiseRewardObjective objective = new PairwiseRewardObjective(BradleyTerryLoss.Config.defaults(), PAD);
        Optimizer adam = new Optimizer(OptimizerConfig.adamW(
                new LearningRateSchedule(0.01, 5, 60, LearningRateSchedule.Shape.COSINE), 0.0, 1.0), model);
        List<RewardPair> train = separablePairs(64, 1);
        for (int step = 0; step < 60; step++) {
            List<RewardPair> batch = train.subList((step * 8) % 64, (step * 8) % 64 + 8);
            model.zeroGradients();
            objective.lossAndGradients(model, batch);
            adam.step(step, 0);
        }
        long correct = separablePairs(100, 2).stream()
                .filter(p -> model.rewards(Batch.of(p.chosen()))[0] > model.rewards(Batch.of(p.rejected()))[0]).count();
        assertTrue(correct >= 95, "held-out pairwise accuracy " + correct + "/100");
    }

    @Test
    void headOnlyTrainingMovesTheHeadAndLeavesTheLmAsItWas() {
        RewardModel full = RewardModel.initialize(tiny(ModelFamily.GPT2, DataType.FLOAT), 7);
        RewardModel probe = new RewardModel(full.lm().replica(), full.parameters().get(RewardModel.HEAD).dup(), true);
        assertEquals(List.of(RewardModel.HEAD), List.copyOf(probe.parameters().keySet()));
        assertEquals(List.of(RewardModel.HEAD), List.copyOf(probe.gradients().keySet()));
        Map<String, INDArray> lmBefore = new java.util.LinkedHashMap<>();
        full.lm().parameters().values().forEach((name, p) -> lmBefore.put(name, p.dup()));

        // the head's gradient is the one full training computes for it
        PairwiseRewardObjective objective = new PairwiseRewardObjective(BradleyTerryLoss.Config.defaults(), PAD);
        List<RewardPair> batch = separablePairs(8, 3);
        full.zeroGradients();
        objective.lossAndGradients(full, batch);
        probe.zeroGradients();
        objective.lossAndGradients(probe, batch);
        assertArrayEquals(full.gradients().get(RewardModel.HEAD).toFloatVector(), probe.gradients().get(RewardModel.HEAD).toFloatVector(), 1e-5f);

        INDArray headBefore = probe.parameters().get(RewardModel.HEAD).dup();
        Optimizer adam = new Optimizer(OptimizerConfig.adamW(
                new LearningRateSchedule(0.01, 0, 10, LearningRateSchedule.Shape.CONSTANT), 0.1, 1.0), probe);
        for (int step = 0; step < 10; step++) {
            probe.zeroGradients();
            objective.lossAndGradients(probe, separablePairs(8, 10 + step));
            adam.step(step, 0);
        }
        assertTrue(probe.parameters().get(RewardModel.HEAD).distance2(headBefore) > 1e-3, "the head moved");
        lmBefore.forEach((name, before) -> assertEquals(before, probe.lm().parameters().values().get(name), name + " stayed frozen"));
    }

    @Test
    void regressionHeadLearnsTwoAttributes() {
        ModelConfig config = tiny(ModelFamily.LLAMA, DataType.FLOAT);
        RewardModel model = new RewardModel(org.alignspark.common.lm.CausalLM.initialize(config, 3),
                RewardModel.initialHead(2, config.dModel(), DataType.FLOAT, 4));
        RegressionRewardObjective objective = new RegressionRewardObjective(PAD);
        // Attribute 0 is 4 for sequences ending in token 3 and 0 otherwise; attribute 1 is their length / 2.
        Random random = new Random(5);
        List<RatedSequence> data = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            int length = 2 + random.nextInt(4);
            int[] tokens = random.ints(length, 5, 16).toArray();
            boolean good = i % 2 == 0;
            tokens[length - 1] = good ? 3 : 4;
            data.add(new RatedSequence("s" + i, tokens, new double[]{good ? 4 : 0, length / 2.0}));
        }
        Optimizer adam = new Optimizer(OptimizerConfig.adamW(
                new LearningRateSchedule(0.02, 5, 150, LearningRateSchedule.Shape.COSINE), 0.0, 1.0), model);
        double first = 0;
        double last = 0;
        for (int step = 0; step < 150; step++) {
            List<RatedSequence> batch = data.subList((step * 16) % 64, (step * 16) % 64 + 16);
            model.zeroGradients();
            double loss = objective.lossAndGradients(model, batch).meanLoss();
            first = step == 0 ? loss : first;
            last = loss;
            adam.step(step, 0);
        }
        assertTrue(last < 0.05 * first, "mse " + first + " -> " + last);
        assertEquals(2, model.outputs());
    }
}
