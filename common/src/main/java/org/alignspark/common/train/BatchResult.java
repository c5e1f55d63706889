package org.alignspark.common.train;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sums over one or more minibatches: loss, examples, tokens and each objective's own metrics (as sums, so results of
 * many batches and workers add up; divide by {@code examples} for means).
 */
public final class BatchResult implements Serializable {
    private double lossSum;
    private long examples;
    private long tokens;
    private final LinkedHashMap<String, Double> metricSums = new LinkedHashMap<>();

    public BatchResult(double lossSum, long examples, long tokens) {
        this.lossSum = lossSum;
        this.examples = examples;
        this.tokens = tokens;
    }

    public static BatchResult empty() {
        return new BatchResult(0, 0, 0);
    }

    /** Adds a metric summed over this batch's examples. */
    public BatchResult metricSum(String name, double sum) {
        metricSums.merge(name, sum, Double::sum);
        return this;
    }

    public BatchResult add(BatchResult other) {
        lossSum += other.lossSum;
        examples += other.examples;
        tokens += other.tokens;
        other.metricSums.forEach((k, v) -> metricSums.merge(k, v, Double::sum));
        return this;
    }

    public double lossSum() {
        return lossSum;
    }

    public long examples() {
        return examples;
    }

    public long tokens() {
        return tokens;
    }

    public double meanLoss() {
        return examples == 0 ? Double.NaN : lossSum / examples;
    }

    /** Each metric's mean over the examples. */
    public Map<String, Double> metricMeans() {
        Map<String, Double> means = new LinkedHashMap<>();
        metricSums.forEach((k, v) -> means.put(k, examples == 0 ? Double.NaN : v / examples));
        return means;
    }
}
