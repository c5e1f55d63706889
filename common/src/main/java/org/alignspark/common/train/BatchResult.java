package org.alignspark.common.train;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sums over one or more minibatches: loss, examples, tokens and each objective's own metrics (as sums, so results of
 * many batches and workers add up; divide by {@code examples} for means). A metric whose mean is over a subset of the
 * examples (e.g. KTO's {@code rewards/chosen}, over the desirable ones only) carries its own denominator, summed the
 * same way, so the mean over a round is Σ numerators / Σ denominators as TRL's gathered sums / gathered counts.
 */
public final class BatchResult implements Serializable {
    private double lossSum;
    private long examples;
    private long tokens;
    private final LinkedHashMap<String, Double> metricSums = new LinkedHashMap<>();
    private final LinkedHashMap<String, Double> metricDenominators = new LinkedHashMap<>();

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

    /**
     * Adds a metric whose mean is {@code Σ sum / Σ count} rather than over all examples; a batch with no example of
     * the subset adds (0, 0). A name is either a plain sum or a ratio, never both.
     */
    public BatchResult metricRatio(String name, double sum, double count) {
        metricSums.merge(name, sum, Double::sum);
        metricDenominators.merge(name, count, Double::sum);
        return this;
    }

    public BatchResult add(BatchResult other) {
        lossSum += other.lossSum;
        examples += other.examples;
        tokens += other.tokens;
        other.metricSums.forEach((k, v) -> metricSums.merge(k, v, Double::sum));
        other.metricDenominators.forEach((k, v) -> metricDenominators.merge(k, v, Double::sum));
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

    /**
     * Each metric's mean over the examples, or over its own denominator; a ratio metric whose denominator is 0 (no
     * example of its subset) is left out, as TRL leaves out {@code rewards/rejected} when a window has no rejected.
     */
    public Map<String, Double> metricMeans() {
        Map<String, Double> means = new LinkedHashMap<>();
        metricSums.forEach((k, v) -> {
            Double count = metricDenominators.get(k);
            if (count == null) {
                means.put(k, examples == 0 ? Double.NaN : v / examples);
            } else if (count > 0) {
                means.put(k, v / count);
            }
        });
        return means;
    }
}
