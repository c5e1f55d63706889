package org.alignspark.common.lm.decoding;

import static org.alignspark.common.lm.decoding.SteerGuidanceTest.logs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Weak-to-strong logit fusion (docs/spec-objectives.md §8) on a two-token vocabulary, against distributions worked out by hand. */
class LogitFusionTest {
    private static final double[] LARGE = logs(1 / 2.0, 1 / 2.0);
    private static final double[] SMALL_BASE = logs(1 / 2.0, 1 / 2.0);
    private static final double[] EXPERT_A = logs(3 / 4.0, 1 / 4.0);
    private static final double[] EXPERT_B = logs(1 / 4.0, 3 / 4.0);

    @Test
    void staticFusionAddsTheExpertsShiftTimesAlpha() {
        // α = 1: ln(1/2) + ln(3/2), ln(1/2) + ln(1/2) → (3/4, 1/4)
        assertArrayEquals(new double[] {3 / 4.0, 1 / 4.0},
                Distributions.softmax(LogitFusion.fuse(LARGE, SMALL_BASE, new double[][] {EXPERT_A}, new double[] {1})), 1e-12);
        // α = 2: (1/2)(3/2)² : (1/2)(1/2)² = 9/8 : 1/8 → (9/10, 1/10)
        assertArrayEquals(new double[] {9 / 10.0, 1 / 10.0},
                Distributions.softmax(LogitFusion.fuse(LARGE, SMALL_BASE, new double[][] {EXPERT_A}, new double[] {2})), 1e-12);
        // opposite experts at equal weight cancel
        assertArrayEquals(new double[] {1 / 2.0, 1 / 2.0}, Distributions.softmax(
                LogitFusion.fuse(LARGE, SMALL_BASE, new double[][] {EXPERT_A, EXPERT_B}, new double[] {1, 1})), 1e-12);
    }

    @Test
    void zeroAlphaReturnsTheLargeModelsLogitsExactly() {
        double[] large = logs(0.6, 0.4);
        assertArrayEquals(large, LogitFusion.fuse(large, SMALL_BASE, new double[][] {EXPERT_A, EXPERT_B}, new double[] {0, 0}));
    }

    @Test
    void dynamicAlphaMovesTheLargeModelAsFarAsTheExpertMovedTheSmallOne() {
        // large = small base: the fused distribution equals the expert's at α = 1, where the two KLs are equal
        assertEquals(1.0, LogitFusion.klMatchedAlpha(LARGE, SMALL_BASE, EXPERT_A, 4.0, 1.0), 1e-9);
        // capped by α_max, and no move at all with a zero KL budget
        assertEquals(0.5, LogitFusion.klMatchedAlpha(LARGE, SMALL_BASE, EXPERT_A, 0.5, 1.0), 0.0);
        assertEquals(0.0, LogitFusion.klMatchedAlpha(LARGE, SMALL_BASE, EXPERT_A, 4.0, 0.0), 1e-12);
    }

    @Test
    void dynamicAlphaIsTheLargestWithinTheKlBound() {
        double[] large = logs(0.1, 0.3, 0.6);
        double[] smallBase = logs(0.3, 0.3, 0.4);
        double[] expert = logs(0.6, 0.2, 0.2);
        double bound = 0.5 * kl(expert, smallBase);
        double alpha = LogitFusion.klMatchedAlpha(large, smallBase, expert, 10.0, 0.5);
        assertTrue(alpha > 0 && alpha < 10);
        double[] delta = new double[3];
        for (int v = 0; v < 3; v++) {
            delta[v] = expert[v] - smallBase[v];
        }
        assertEquals(bound, kl(shift(large, delta, alpha), large), 1e-9);
        assertTrue(kl(shift(large, delta, alpha + 1e-3), large) > bound);
    }

    @Test
    void theKlTheRuleBoundsIsTheTextbookOne() {
        // KL((3/4, 1/4) ‖ (1/2, 1/2)) = 3/4 ln(3/2) + 1/4 ln(1/2) = 0.1308121
        assertEquals(0.75 * Math.log(1.5) + 0.25 * Math.log(0.5), Distributions.kl(EXPERT_A, SMALL_BASE), 1e-12);
        assertEquals(0.1308121, kl(EXPERT_A, SMALL_BASE), 1e-7);
    }

    /** KL(softmax(p) ‖ softmax(q)) = Σ_v P_v ln(P_v / Q_v), written out here so the test does not trust the code's own KL. */
    private static double kl(double[] p, double[] q) {
        double zp = 0;
        double zq = 0;
        for (int v = 0; v < p.length; v++) {
            zp += Math.exp(p[v]);
            zq += Math.exp(q[v]);
        }
        double sum = 0;
        for (int v = 0; v < p.length; v++) {
            double pv = Math.exp(p[v]) / zp;
            sum += pv * Math.log(pv / (Math.exp(q[v]) / zq));
        }
        return sum;
    }

    private static double[] shift(double[] z, double[] delta, double alpha) {
        double[] out = z.clone();
        for (int v = 0; v < z.length; v++) {
            out[v] += alpha * delta[v];
        }
        return out;
    }
}
