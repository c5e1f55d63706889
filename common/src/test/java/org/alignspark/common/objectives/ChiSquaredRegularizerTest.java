package org.alignspark.common.objectives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.alignspark.common.objectives.ChiSquaredRegularizer.Config;
import org.alignspark.common.objectives.ChiSquaredRegularizer.Penalty;
import org.alignspark.common.testing.FiniteDifference;
import org.junit.jupiter.api.Test;

class ChiSquaredRegularizerTest {
    private static final double[] L = {0.5, -0.2, 1.0};

    @Test
    void estimatorsMatchSpecWorkedNumbers() {
        // χ̂² = mean[(e^L − 1) + (e^{−L} − 1)] = mean(0.255252, 0.040134, 1.086161) = 0.460516, √ = 0.678613
        // KL̂ = mean[L + e^{−L} − 1] = mean(0.106531, 0.021403, 0.367879) = 0.165271
        ChiSquaredRegularizer.Result r = ChiSquaredRegularizer.compute(new Config(1.0, Penalty.SQRT_CHI2), L);
        assertEquals(0.460516, r.chi2(), 1e-6);
        assertEquals(0.678613, r.penalty(), 1e-6);
        assertEquals(0.165271, r.kl(), 1e-6);
        assertEquals(0.165271, ChiSquaredRegularizer.compute(new Config(1.0, Penalty.KL), L).penalty(), 1e-6);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        for (Penalty p : Penalty.values()) {
            Config cfg = new Config(0.3, p);
            ChiSquaredRegularizer.Result r = ChiSquaredRegularizer.compute(cfg, L);
            FiniteDifference.assertGradient(x -> ChiSquaredRegularizer.compute(cfg, x).penalty(), L, r.dLogRatios());
        }
        // beyond |L| = 10 the estimator is linear, so the check holds there too
        double[] far = {12.0, -11.0};
        Config cfg = new Config(1.0, Penalty.SQRT_CHI2);
        FiniteDifference.assertGradient(x -> ChiSquaredRegularizer.compute(cfg, x).penalty(), far,
                ChiSquaredRegularizer.compute(cfg, far).dLogRatios());
    }

    @Test
    void squareRootIsFlooredAtOneHundredth() {
        ChiSquaredRegularizer.Result r = ChiSquaredRegularizer.compute(new Config(1.0, Penalty.SQRT_CHI2), new double[] {0, 0});
        assertEquals(0.01, r.penalty(), 1e-15);
        assertEquals(0.0, r.dLogRatios()[0]);
    }

    @Test
    void gradientDescentPullsLogRatiosTowardZero() {
        // the penalty alone is minimised at π_θ = π_ref: L → 0 (up to the 1e-4 floor on χ̂²)
        double[] l = {2.0, -1.5, 0.7};
        Config cfg = new Config(1.0, Penalty.SQRT_CHI2);
        for (int step = 0; step < 2000; step++) {
            double[] d = ChiSquaredRegularizer.compute(cfg, l).dLogRatios();
            for (int i = 0; i < l.length; i++) {
                l[i] -= 0.05 * d[i];
            }
        }
        for (double v : l) {
            assertTrue(Math.abs(v) < 0.05, "log-ratio " + v);
        }
    }
}
