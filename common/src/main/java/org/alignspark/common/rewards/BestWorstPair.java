package org.alignspark.common.rewards;

/**
 * Mining a preference pair from K scored responses to one prompt: chosen = the highest score, rejected = the lowest,
 * kept only if the gap reaches a minimum margin. The FLR paper's mining rule was NOT found (spec-data-side §1b
 * step 4 [N/F]); this is the spec's [OURS] "natural reading", as issue 5 states it. Every prompt gets an
 * {@link Outcome}, so prompts that yield no pair are counted, not lost. Among equal scores the first index wins.
 * <p>
 * {@link #ranked} extends the rule to several disjoint pairs per prompt (our option, not the paper's): the i-th best
 * response against the i-th worst, so K samples give up to K/2 pairs and no response is used twice.
 */
public final class BestWorstPair {
    private BestWorstPair() {
    }

    public sealed interface Outcome permits Selected, TooFewResponses, AllTied, BelowMargin {
    }

    /** A pair: indices into the scored responses, and score(chosen) − score(rejected) &gt; 0. */
    public record Selected(int chosen, int rejected, double gap) implements Outcome {
    }

    /** Fewer than two responses with a finite score. */
    public record TooFewResponses(int scored) implements Outcome {
    }

    /** Every response has the same score. */
    public record AllTied(double score) implements Outcome {
    }

    /** The best and worst differ by less than the margin. */
    public record BelowMargin(double gap) implements Outcome {
    }

    /**
     * @param scores    score per response, [K]; NaN scores (failed scoring) are skipped
     * @param minMargin the least gap a kept pair must have (0 keeps every untied prompt)
     */
    public static Outcome select(double[] scores, double minMargin) {
        int best = -1;
        int worst = -1;
        int scored = 0;
        for (int i = 0; i < scores.length; i++) {
            if (Double.isNaN(scores[i])) {
                continue;
            }
            scored++;
            if (best < 0 || scores[i] > scores[best]) {
                best = i;
            }
            if (worst < 0 || scores[i] < scores[worst]) {
                worst = i;
            }
        }
        if (scored < 2) {
            return new TooFewResponses(scored);
        }
        double gap = scores[best] - scores[worst];
        if (gap == 0) {
            return new AllTied(scores[best]);
        }
        if (gap < minMargin) {
            return new BelowMargin(gap);
        }
        return new Selected(best, worst, gap);
    }

    /**
     * Up to {@code maxPairs} disjoint pairs: with the scored responses ordered best first (ties by index), pair i is
     * (i-th best, i-th worst), kept while the i-th best still ranks above the i-th worst and their gap is strictly
     * positive and at least {@code minMargin}. The first pair is {@link #select}'s; the list is empty exactly when
     * select yields no pair.
     */
    public static java.util.List<Selected> ranked(double[] scores, double minMargin, int maxPairs) {
        if (maxPairs < 1) {
            throw new IllegalArgumentException("pairs per prompt must be at least 1, got " + maxPairs);
        }
        Integer[] order = java.util.stream.IntStream.range(0, scores.length).filter(i -> !Double.isNaN(scores[i])).boxed()
                .toArray(Integer[]::new);
        // best first; among equal scores the first index first, and last among the worst (as select picks them)
        java.util.Arrays.sort(order, (a, b) -> scores[a] != scores[b] ? Double.compare(scores[b], scores[a]) : Integer.compare(a, b));
        java.util.List<Selected> pairs = new java.util.ArrayList<>();
        for (int i = 0; i < maxPairs && i < order.length - 1 - i; i++) {
            int best = order[i];
            int worst = worstAt(order, scores, i);
            double gap = scores[best] - scores[worst];
            if (gap <= 0 || gap < minMargin) {
                break;
            }
            pairs.add(new Selected(best, worst, gap));
        }
        return pairs;
    }

    /** The i-th worst of the ordered responses; among equal lowest scores the first index comes first, as in select. */
    private static int worstAt(Integer[] order, double[] scores, int i) {
        int n = order.length;
        double low = scores[order[n - 1]];
        int tiedLow = 0;
        while (tiedLow < n && scores[order[n - 1 - tiedLow]] == low) {
            tiedLow++;
        }
        if (i < tiedLow) {
            return order[n - tiedLow + i];   // the tied lowest, in index order
        }
        return order[n - 1 - i];
    }
}
