package org.alignspark.common.metrics;

/**
 * Pairwise preference accuracy as RewardBench scores it (allenai/reward-bench, docs/spec-objectives.md §7d):
 * a pair counts as correct only if score(chosen) &gt; score(rejected), strictly; ties and NaN scores count as wrong.
 */
public final class PairwiseAccuracy {
    private PairwiseAccuracy() {
    }

    /** @param chosenScores [N], @param rejectedScores [N] */
    public static Proportion of(double[] chosenScores, double[] rejectedScores) {
        if (chosenScores.length != rejectedScores.length) {
            throw new IllegalArgumentException("chosen has " + chosenScores.length + " scores, rejected "
                    + rejectedScores.length);
        }
        long correct = 0;
        for (int i = 0; i < chosenScores.length; i++) {
            correct += chosenScores[i] > rejectedScores[i] ? 1 : 0;
        }
        return new Proportion(correct, chosenScores.length);
    }
}
