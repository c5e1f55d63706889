package org.alignspark.common.objectives;

/**
 * WPO's sequence weight (Zhou et al. arXiv 2406.11827 Eq. 2, in TRL's aligned form; TRL {@code use_weighting},
 * docs/spec-objectives.md §11a): w(x, y) = exp( (1/|y|) Σ_t log[ π_θ(y_t|x, y_&lt;t) / Σ_v π_θ(v|x, y_&lt;t)² ] ),
 * computed from the current policy without gradient; a pair is weighted by w(x, y_c) · w(x, y_r).
 */
public final class WpoWeight {
    private WpoWeight() {
    }

    /**
     * @param tokenLogps       log π_θ(y_t|·) of a completion's tokens, [|y|]
     * @param logSquaredMasses log Σ_v π_θ(v|·)² at the same positions, [|y|]
     */
    public static double of(double[] tokenLogps, double[] logSquaredMasses) {
        BatchStats.requireSameLength("logSquaredMasses", tokenLogps.length, logSquaredMasses);
        double sum = 0;
        for (int t = 0; t < tokenLogps.length; t++) {
            sum += tokenLogps[t] - logSquaredMasses[t];
        }
        return Math.exp(sum / Math.max(1, tokenLogps.length));
    }
}
