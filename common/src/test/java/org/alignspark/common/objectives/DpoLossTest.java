package org.alignspark.common.objectives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.alignspark.common.objectives.DpoLoss.Config;
import org.alignspark.common.objectives.DpoLoss.Type;
import org.alignspark.common.testing.FiniteDifference;
import org.alignspark.common.testing.ToyPreferencePairs;
import org.junit.jupiter.api.Test;

class DpoLossTest {
    // lr_c = −10 − (−11) = +1, lr_r = −12 − (−11) = −1 (the spec's worked pair); |y_c| = 4, |y_r| = 5
    private static final PreferenceLogps PAIR = new PreferenceLogps(new double[] {-10}, new double[] {-12},
            new double[] {-11}, new double[] {-11}, new int[] {4}, new int[] {5});

    @Test
    void sigmoidDpoMatchesSpecWorkedNumber() {
        // z = 0.1 · (1 − (−1)) = 0.2; −log σ(0.2) = softplus(−0.2) = 0.598139
        DpoLoss.Result r = DpoLoss.compute(Config.defaults(), PAIR);
        assertEquals(0.598139, r.loss(), 1e-6);
        // ∂/∂logp_c = −σ(−0.2) · β = −0.450166 · 0.1
        assertEquals(-0.0450166, r.dPolicyChosen()[0], 1e-7);
        assertEquals(0.0450166, r.dPolicyRejected()[0], 1e-7);
    }

    @Test
    void conservativeDpoMixesInTheFlippedLabel() {
        // 0.9 · softplus(−0.2) + 0.1 · softplus(0.2) = 0.9 · 0.598139 + 0.1 · 0.798139 = 0.618139
        assertEquals(0.618139, DpoLoss.compute(Config.defaults().withLabelSmoothing(0.1), PAIR).loss(), 1e-6);
    }

    @Test
    void robustDpoSubtractsTheFlippedLabelAndRescales() {
        // (0.9 · 0.598139 − 0.1 · 0.798139) / 0.8 = 0.458511 / 0.8 = 0.573139
        Config robust = Config.defaults().withType(Type.ROBUST).withLabelSmoothing(0.1);
        assertEquals(0.573139, DpoLoss.compute(robust, PAIR).loss(), 1e-6);
    }

    @Test
    void hingeLossIsZeroOnceTheScaledMarginReachesOne() {
        // max(0, 1 − 0.2) = 0.8, slope −β on the chosen logp
        DpoLoss.Result r = DpoLoss.compute(Config.defaults().withType(Type.HINGE), PAIR);
        assertEquals(0.8, r.loss(), 1e-12);
        assertEquals(-0.1, r.dPolicyChosen()[0], 1e-12);
        // Δ = 12 → z = 1.2 ≥ 1: no loss, no gradient
        PreferenceLogps wide = PAIR.withPolicy(new double[] {-5}, new double[] {-17});
        DpoLoss.Result zero = DpoLoss.compute(Config.defaults().withType(Type.HINGE), wide);
        assertEquals(0.0, zero.loss());
        assertEquals(0.0, zero.dPolicyChosen()[0]);
    }

    @Test
    void ipoNormalisesLogRatiosByCompletionLength() {
        // h = 1/4 − (−1)/5 = 0.45; (0.45 − 1/(2·0.1))² = (−4.55)² = 20.7025
        DpoLoss.Result r = DpoLoss.compute(Config.defaults().withType(Type.IPO), PAIR);
        assertEquals(20.7025, r.loss(), 1e-9);
        // ∂/∂logp_c = 2 · (−4.55) / 4 = −2.275; ∂/∂logp_r = −2 · (−4.55) / 5 = 1.82
        assertEquals(-2.275, r.dPolicyChosen()[0], 1e-9);
        assertEquals(1.82, r.dPolicyRejected()[0], 1e-9);
        // rewards stay β × summed log-ratio, as TRL logs them for every loss type
        assertEquals(0.1, r.metrics().get("rewards/chosen"), 1e-12);
    }

    @Test
    void ipoRequiresTokenCounts() {
        PreferenceLogps noLengths = PreferenceLogps.of(new double[] {-10}, new double[] {-12}, new double[] {-11},
                new double[] {-11});
        assertThrows(IllegalArgumentException.class, () -> DpoLoss.compute(Config.defaults().withType(Type.IPO), noLengths));
    }

    @Test
    void referenceFreeDpoIgnoresReferenceLogps() {
        // Δ = −10 − (−11) = 1 with the reference ignored; softplus(−0.1) = log(1 + e^{−0.1}) = 0.644397
        PreferenceLogps b = new PreferenceLogps(new double[] {-10}, new double[] {-11}, new double[] {-3},
                new double[] {-30}, null, null);
        DpoLoss.Result r = DpoLoss.compute(Config.defaults().withReferenceFree(true), b);
        assertEquals(0.644397, r.loss(), 1e-6);
        assertEquals(-1.0, r.metrics().get("rewards/chosen"), 1e-12); // β · logp_θ(y_c) = 0.1 · −10
    }

    @Test
    void rpoAddsTokenMeanNllOfChosenCompletions() {
        // NLL = −(−10)/4 = 2.5; loss = 0.598139 + 1.0 · 2.5 = 3.098139
        DpoLoss.Result r = DpoLoss.compute(Config.defaults().withRpoAlpha(1.0), PAIR);
        assertEquals(2.5, r.nllLoss(), 1e-12);
        assertEquals(3.098139, r.loss(), 1e-6);
        // NLL gradient per chosen token = −α / Σ|y_c| = −0.25, added to the DPO slope −0.0450166
        assertEquals(-0.25, r.dRawChosen()[0], 1e-12);
        assertEquals(-0.0450166, r.dPolicyChosen()[0], 1e-7);
        assertEquals(-0.2950166, r.dChosenTotal()[0], 1e-7);
        assertEquals(2.5, r.metrics().get("nll_loss"), 1e-12);
    }

    @Test
    void metricsUseTrlNamesWithStrictAccuracy() {
        // pair 1: rewards 0.1 vs −0.1 (correct); pair 2: equal log-ratios, a tie (wrong)
        PreferenceLogps b = PreferenceLogps.of(new double[] {-10, -4}, new double[] {-12, -6},
                new double[] {-11, -5}, new double[] {-11, -7});
        DpoLoss.Result r = DpoLoss.compute(Config.defaults(), b);
        assertEquals(0.5, r.metrics().get("rewards/accuracies"));
        assertEquals((0.1 + 0.1) / 2, r.metrics().get("rewards/chosen"), 1e-12);   // 0.1·1, 0.1·1
        assertEquals((-0.1 + 0.1) / 2, r.metrics().get("rewards/rejected"), 1e-12); // 0.1·(−1), 0.1·1
        assertEquals(0.1, r.metrics().get("rewards/margins"), 1e-12);
        assertEquals(-7.0, r.metrics().get("logps/chosen"), 1e-12);   // (−10 − 4)/2, summed logps
        assertEquals(-9.0, r.metrics().get("logps/rejected"), 1e-12);
        assertEquals(0.0, r.metrics().get("logps/chosen_below_ref"), 1e-12);
        assertFalse(r.metrics().containsKey("nll_loss"));
    }

    @Test
    void gradientsMatchFiniteDifferencesForEveryLossType() {
        double[] pc = {-10, -4.2, -7.5};
        double[] pr = {-12, -3.9, -7.0};
        PreferenceLogps b = new PreferenceLogps(pc, pr, new double[] {-11, -4, -8}, new double[] {-11.5, -4.5, -6},
                new int[] {4, 2, 6}, new int[] {5, 3, 1});
        Config[] configs = {Config.defaults().withLabelSmoothing(0.2), Config.defaults().withType(Type.ROBUST)
                .withLabelSmoothing(0.1), Config.defaults().withType(Type.HINGE), Config.defaults().withType(Type.IPO),
                Config.defaults().withRpoAlpha(0.7), Config.defaults().withReferenceFree(true)};
        for (Config cfg : configs) {
            DpoLoss.Result r = DpoLoss.compute(cfg, b);
            FiniteDifference.assertGradient(x -> DpoLoss.compute(cfg, b.withPolicy(x, pr)).loss(), pc, r.dChosenTotal());
            FiniteDifference.assertGradient(x -> DpoLoss.compute(cfg, b.withPolicy(pc, x)).loss(), pr, r.dPolicyRejected());
        }
    }

    @Test
    void robustRejectsHalfOrMoreLabelNoise() {
        assertThrows(IllegalArgumentException.class, () -> Config.defaults().withType(Type.ROBUST).withLabelSmoothing(0.5));
    }

    /**
     * Toy policy: a response of L tokens, each with log-prob w·x (x its features), so logp_θ = L·w·x;
     * the reference is the same model frozen at w_ref. The implicit reward is then L·(w − w_ref)·x.
     */
    @Test
    void everyLossTypeLearnsSeparableToyPairs() {
        Config[] configs = {Config.defaults(), Config.defaults().withLabelSmoothing(0.1),
                Config.defaults().withType(Type.ROBUST).withLabelSmoothing(0.1), Config.defaults().withType(Type.HINGE),
                Config.defaults().withType(Type.IPO), Config.defaults().withRpoAlpha(0.1)};
        ToyPreferencePairs pairs = ToyPreferencePairs.generate(200, 5, 21);
        Random rnd = new Random(5);
        double[] wRef = ToyPreferencePairs.gaussian(rnd, 5);
        int[] lc = new int[200];
        int[] lr = new int[200];
        Arrays.fill(lc, 3);
        Arrays.fill(lr, 3);
        for (Config cfg : configs) {
            double[] w = wRef.clone();
            // IPO's squared loss has curvature ~ 1 instead of β², so it takes a smaller step
            double rate = cfg.has(Type.IPO) ? 0.02 : 2.0;
            for (int step = 0; step < 300; step++) {
                DpoLoss.Result r = DpoLoss.compute(cfg, toyLogps(w, wRef, pairs, lc, lr));
                ToyPreferencePairs.step(w, rate, scale(r.dChosenTotal(), lc), pairs.chosen);
                ToyPreferencePairs.step(w, rate, scale(r.dPolicyRejected(), lr), pairs.rejected);
            }
            double acc = DpoLoss.compute(cfg, toyLogps(w, wRef, pairs, lc, lr)).metrics().get("rewards/accuracies");
            assertTrue(acc >= 0.95, cfg + " reached only " + acc);
        }
    }

    @Test
    void ipoLearnsLengthNormalisedPreferencesWhenLengthsDiffer() {
        ToyPreferencePairs pairs = ToyPreferencePairs.generate(200, 5, 23);
        Random rnd = new Random(9);
        double[] wRef = ToyPreferencePairs.gaussian(rnd, 5);
        int[] lc = new int[200];
        int[] lr = new int[200];
        for (int i = 0; i < 200; i++) {
            lc[i] = 1 + rnd.nextInt(8);
            lr[i] = 1 + rnd.nextInt(8);
        }
        Config ipo = Config.defaults().withType(Type.IPO);
        double[] w = wRef.clone();
        for (int step = 0; step < 300; step++) {
            DpoLoss.Result r = DpoLoss.compute(ipo, toyLogps(w, wRef, pairs, lc, lr));
            ToyPreferencePairs.step(w, 0.02, scale(r.dPolicyChosen(), lc), pairs.chosen);
            ToyPreferencePairs.step(w, 0.02, scale(r.dPolicyRejected(), lr), pairs.rejected);
        }
        double[] v = new double[5];
        for (int j = 0; j < 5; j++) {
            v[j] = w[j] - wRef[j];
        }
        // per-token implicit reward (w − w_ref)·x orders the pairs
        assertTrue(pairs.accuracy(v) >= 0.95, "accuracy " + pairs.accuracy(v));
    }

    private static PreferenceLogps toyLogps(double[] w, double[] wRef, ToyPreferencePairs p, int[] lc, int[] lr) {
        int n = p.chosen.length;
        double[] pc = new double[n];
        double[] pr = new double[n];
        double[] rc = new double[n];
        double[] rr = new double[n];
        for (int i = 0; i < n; i++) {
            pc[i] = lc[i] * ToyPreferencePairs.dot(w, p.chosen[i]);
            pr[i] = lr[i] * ToyPreferencePairs.dot(w, p.rejected[i]);
            rc[i] = lc[i] * ToyPreferencePairs.dot(wRef, p.chosen[i]);
            rr[i] = lr[i] * ToyPreferencePairs.dot(wRef, p.rejected[i]);
        }
        return new PreferenceLogps(pc, pr, rc, rr, lc, lr);
    }

    /** ∂loss/∂(w·x) = ∂loss/∂logp · L. */
    private static double[] scale(double[] g, int[] lengths) {
        double[] out = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            out[i] = g[i] * lengths[i];
        }
        return out;
    }
}
