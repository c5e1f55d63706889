package org.alignspark.common.rm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.alignspark.common.lm.Batch;
import org.alignspark.common.objectives.BradleyTerryLoss;
import org.alignspark.common.objectives.RewardPairLossResult;
import org.alignspark.common.train.BatchResult;
import org.alignspark.common.train.Objective;

/**
 * Reward-model training on pairs with a Bradley–Terry loss (standard, margin or scaled; docs/spec-objectives.md §7): chosen
 * and rejected sequences of a minibatch go through the model as one right-padded batch.
 */
public record PairwiseRewardObjective(BradleyTerryLoss.Config loss, int padId) implements Objective<RewardPair, RewardModel> {
    @Override
    public BatchResult lossAndGradients(RewardModel model, List<RewardPair> batch) {
        int n = batch.size();
        List<int[]> sequences = new ArrayList<>(2 * n);
        double[] margins = new double[n];
        for (int i = 0; i < n; i++) {
            sequences.add(batch.get(i).chosen());
            margins[i] = batch.get(i).margin();
        }
        for (RewardPair pair : batch) {
            sequences.add(pair.rejected());
        }
        double[] rewards = model.rewards(Batch.padded(sequences, Batch.Padding.RIGHT, padId));   // [2n]
        double[] chosen = java.util.Arrays.copyOfRange(rewards, 0, n);
        double[] rejected = java.util.Arrays.copyOfRange(rewards, n, 2 * n);
        RewardPairLossResult result = BradleyTerryLoss.compute(loss, chosen, rejected, margins);
        double[] dRewards = new double[2 * n];
        System.arraycopy(result.dRewardsChosen(), 0, dRewards, 0, n);
        System.arraycopy(result.dRewardsRejected(), 0, dRewards, n, n);
        model.backward(dRewards);
        BatchResult out = new BatchResult(result.loss() * n, n, tokens(batch));
        for (Map.Entry<String, Double> metric : result.metrics().entrySet()) {
            out.metricSum(metric.getKey(), metric.getValue() * n);
        }
        return out;
    }

    private long tokens(List<RewardPair> batch) {
        return batch.stream().mapToLong(this::tokens).sum();
    }

    @Override
    public long tokens(RewardPair example) {
        return example.chosen().length + example.rejected().length;
    }

    @Override
    public String exampleId(RewardPair example) {
        return example.pairId();
    }
}
