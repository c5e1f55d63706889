package org.alignspark.common.rewards;

/**
 * Mining a preference pair from K scored responses to one prompt: chosen = the highest score, rejected = the lowest,
 * kept only if the gap reaches a minimum margin. The FLR paper's mining rule was NOT found (docs/spec-data-side.md §1b
 * step 4 [N/F]); this is the spec's [OURS] "natural reading", as issue 5 states it. Every prompt gets an
 * {@link Outcome}, so prompts that yield no pair are counted, not lost. Among equal scores the first index wins.
 * <p>
 * {@link #ranked} extends the rule to several disjoint pairs per prompt (our option, not the paper's): the i-th best
 * response against the i-th worst, so K samples give up to K/2 pairs and no response is used twice. Its constrained form
 * pairs each response, best first, with the lowest-scored unused response that the constraint allows (also ours).
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
     * Up to {@code maxPairs} disjoint pairs: pair i is (i-th best, i-th worst), each end ordered by score with ties by
     * index, kept while the gap is strictly positive and at least {@code minMargin}. A positive gap keeps the pairs
     * disjoint (an earlier worst scores below this best, an earlier best above this worst). The first pair is
     * {@link #select}'s; the list is empty exactly when select yields no pair.
     */
    public static java.util.List<Selected> ranked(double[] scores, double minMargin, int maxPairs) {
        return ranked(scores, minMargin, maxPairs, (chosen, rejected) -> true);
    }

    /**
     * Up to {@code maxPairs} disjoint pairs that {@code allowed} accepts (it is given chosen and rejected indices):
     * responses best first, each paired with the lowest-scored unused response it may be paired with, when the gap is
     * strictly positive and at least {@code minMargin}; a response with no such partner is passed over. When every pair
     * is allowed, each response's partner is the lowest-scored one left, so pair i is (i-th best, i-th worst).
     */
    public static java.util.List<Selected> ranked(double[] scores, double minMargin, int maxPairs,
                                                  java.util.function.BiPredicate<Integer, Integer> allowed) {
        if (maxPairs < 1) {
            throw new IllegalArgumentException("pairs per prompt must be at least 1, got " + maxPairs);
        }
        int[] best = byScore(scores, true);
        int[] worst = byScore(scores, false);
        boolean[] used = new boolean[scores.length];
        java.util.List<Selected> pairs = new java.util.ArrayList<>();
        for (int chosen : best) {
            if (pairs.size() == maxPairs) {
                break;
            }
            if (used[chosen]) {
                continue;
            }
            for (int rejected : worst) {
                double gap = scores[chosen] - scores[rejected];
                if (gap <= 0 || gap < minMargin) {
                    break;   // the rest score higher still
                }
                if (!used[rejected] && allowed.test(chosen, rejected)) {
                    used[chosen] = true;
                    used[rejected] = true;
                    pairs.add(new Selected(chosen, rejected, gap));
                    break;
                }
            }
        }
        return pairs;
    }

    /** Indices of the non-NaN scores, highest first (or lowest first), equal scores in index order. */
    private static int[] byScore(double[] scores, boolean highestFirst) {
        return java.util.stream.IntStream.range(0, scores.length).filter(i -> !Double.isNaN(scores[i])).boxed()
                .sorted(java.util.Comparator.<Integer>comparingDouble(i -> highestFirst ? -scores[i] : scores[i]))
                .mapToInt(Integer::intValue).toArray();
    }
}
