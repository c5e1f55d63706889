package org.alignspark.common.metrics;

import java.util.Arrays;

/**
 * Normalised discounted cumulative gain of a scored list against graded labels (Järvelin &amp; Kekäläinen 2002),
 * with the LambdaRank gain 2^ψ − 1 and discount log₂(1 + rank): the ranking metric the spec adds for list
 * objectives (docs/spec-objectives.md §5d). Ties in the scores are broken by index. Meant for graded labels ≥ 0
 * (ranks, Likert grades); negative labels give negative gains.
 */
public final class Ndcg {
    private Ndcg() {
    }

    /** NDCG of the order induced by {@code scores} [K] for labels {@code labels} [K]; NaN if the ideal DCG is 0. */
    public static double of(double[] scores, double[] labels) {
        if (scores.length != labels.length || scores.length == 0) {
            throw new IllegalArgumentException("need one label per score");
        }
        double[] inverse = inverseRankDiscounts(scores);
        double[] idealInverse = inverseRankDiscounts(labels);
        double dcg = 0;
        double ideal = 0;
        for (int i = 0; i < scores.length; i++) {
            dcg += gain(labels[i]) * inverse[i];
            ideal += gain(labels[i]) * idealInverse[i];
        }
        return ideal == 0 ? Double.NaN : dcg / ideal;
    }

    /** 2^ψ − 1. */
    public static double gain(double label) {
        return Math.pow(2.0, label) - 1.0;
    }

    /** 1/log₂(1 + τ) for each item, τ its 1-based rank by descending value (ties by index), [K]. */
    public static double[] inverseRankDiscounts(double[] values) {
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
        double[] inv = new double[values.length];
        for (int rank = 1; rank <= order.length; rank++) {
            inv[order[rank - 1]] = Math.log(2) / Math.log(1.0 + rank);
        }
        return inv;
    }
}
