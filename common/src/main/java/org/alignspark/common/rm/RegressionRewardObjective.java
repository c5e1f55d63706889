package org.alignspark.common.rm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.alignspark.common.lm.Batch;
import org.alignspark.common.objectives.RewardRegressionLoss;
import org.alignspark.common.train.BatchResult;
import org.alignspark.common.train.Objective;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SteerLM / HelpSteer2 regression reward modelling (docs/spec-data-side.md §5a): a K-output head regressed onto K attribute
 * ratings with mean squared error. With K = 1 (helpfulness only) the result initialises a Bradley–Terry model.
 */
public record RegressionRewardObjective(int padId) implements Objective<RatedSequence, RewardModel> {
    @Override
    public BatchResult lossAndGradients(RewardModel model, List<RatedSequence> batch) {
        List<int[]> sequences = new ArrayList<>(batch.size());
        double[][] targets = new double[batch.size()][];
        for (int i = 0; i < batch.size(); i++) {
            sequences.add(batch.get(i).tokens());
            targets[i] = batch.get(i).ratings();
        }
        INDArray scores = model.scores(Batch.padded(sequences, Batch.Padding.RIGHT, padId));   // [B, K]
        double[][] predicted = scores.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleMatrix();
        RewardRegressionLoss.Result result = RewardRegressionLoss.compute(predicted, targets);
        model.backward(Nd4j.createFromArray(result.dPredicted()));
        BatchResult out = new BatchResult(result.loss() * batch.size(), batch.size(), sequences.stream().mapToLong(s -> s.length).sum());
        for (Map.Entry<String, Double> metric : result.metrics().entrySet()) {
            out.metricSum(metric.getKey(), metric.getValue() * batch.size());
        }
        return out;
    }

    @Override
    public long tokens(RatedSequence example) {
        return example.tokens().length;
    }

    @Override
    public String exampleId(RatedSequence example) {
        return example.id();
    }
}
