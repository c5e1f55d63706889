package org.alignspark.common.objectives;

import java.util.Map;

/**
 * Sequence-level χ² occupancy-measure regulariser for RLHF, as coded in "Correlated Proxies" (Laidlaw, Singhal,
 * Dragan; arXiv 2403.03185; {@code cassidylaidlaw/llm_optimization} {@code modeling.py}, docs/spec-objectives.md §6a).
 * From each sampled response's log-ratio L_i = Σ_t (log π_θ(y_t) − log π_ref(y_t)):
 * r − 1 = expm1(L), 1/r − 1 = expm1(−L) (each continued linearly beyond |L| = 10 to stay finite),
 * χ̂² = mean_i[(r − 1) + (1/r − 1)] (the 1/r − 1 term has zero mean under π: a control variate),
 * KL̂ = mean_i[L + (1/r − 1)]. The loss term is coeff·√max(χ̂², 1e−4) ({@code --use_sqrt_chi2}) or coeff·KL̂.
 */
public final class ChiSquaredRegularizer {
    private ChiSquaredRegularizer() {
    }

    private static final double LINEAR_BEYOND = 10.0;
    private static final double CHI2_FLOOR = 1e-4;

    public enum Penalty { SQRT_CHI2, KL }

    /** @param coeff weight of the penalty in the loss (the repository's README example: 0.0008) */
    public record Config(double coeff, Penalty penalty) implements java.io.Serializable {
        public Config {
            if (!(coeff >= 0) || penalty == null) {
                throw new IllegalArgumentException("need coeff >= 0 and a penalty");
            }
        }
    }

    /**
     * @param penalty        coeff·√max(χ̂², 1e−4) or coeff·KL̂
     * @param chi2           χ̂²
     * @param kl             KL̂
     * @param dLogRatios     ∂penalty/∂L_i, [N]
     * @param metrics        {@code regularization/chi2}, {@code regularization/kl}
     */
    public record Result(double penalty, double chi2, double kl, double[] dLogRatios, Map<String, Double> metrics) {
    }

    /** @param sequenceLogRatios L_i, [N] */
    public static Result compute(Config config, double[] sequenceLogRatios) {
        int n = sequenceLogRatios.length;
        BatchStats.requireNonEmpty(n);
        double chi2 = 0;
        double kl = 0;
        double[] dChi2 = new double[n];
        double[] dKl = new double[n];
        for (int i = 0; i < n; i++) {
            double l = sequenceLogRatios[i];
            double ratioMinusOne = expm1Linear(l);
            double inverseMinusOne = expm1Linear(-l);
            chi2 += ratioMinusOne + inverseMinusOne;
            kl += l + inverseMinusOne;
            double dRatio = expLinearSlope(l);
            double dInverse = -expLinearSlope(-l);
            dChi2[i] = (dRatio + dInverse) / n;
            dKl[i] = (1 + dInverse) / n;
        }
        chi2 /= n;
        kl /= n;
        double[] d = new double[n];
        double penalty;
        if (config.penalty() == Penalty.KL) {
            penalty = config.coeff() * kl;
            for (int i = 0; i < n; i++) {
                d[i] = config.coeff() * dKl[i];
            }
        } else {
            double root = Math.sqrt(Math.max(chi2, CHI2_FLOOR));
            penalty = config.coeff() * root;
            // the floor's clamp has zero slope
            double outer = chi2 > CHI2_FLOOR ? config.coeff() / (2 * root) : 0.0;
            for (int i = 0; i < n; i++) {
                d[i] = outer * dChi2[i];
            }
        }
        return new Result(penalty, chi2, kl, d, Map.of("regularization/chi2", chi2, "regularization/kl", kl));
    }

    /** e^x − 1, continued linearly as e^10·(1 + x − 10) − 1 for x ≥ 10. */
    private static double expm1Linear(double x) {
        return x < LINEAR_BEYOND ? Math.expm1(x) : Math.exp(LINEAR_BEYOND) * (1 + x - LINEAR_BEYOND) - 1;
    }

    private static double expLinearSlope(double x) {
        return Math.exp(Math.min(x, LINEAR_BEYOND));
    }
}
