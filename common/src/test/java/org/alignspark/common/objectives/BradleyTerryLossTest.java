package org.alignspark.common.objectives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.alignspark.common.objectives.BradleyTerryLoss.Config;
import org.alignspark.common.objectives.BradleyTerryLoss.Form;
import org.alignspark.common.testing.FiniteDifference;
import org.alignspark.common.testing.ToyPreferencePairs;
import org.junit.jupiter.api.Test;

class BradleyTerryLossTest {
    private static final double[] ONE = {1.0};

    @Test
    void standardBradleyTerryMatchesHandComputedValue() {
        // -log σ(1.5 − 0.5) = log(1 + e^{-1}) = log(1.367879) = 0.313262 (spec worked number)
        RewardPairLossResult r = BradleyTerryLoss.compute(Config.defaults(), new double[] {1.5}, new double[] {0.5}, null);
        assertEquals(0.313262, r.loss(), 1e-6);
        // ∂/∂r_c = −σ(−1) = −1/(1 + e) = −0.268941; ∂/∂r_r = +0.268941
        assertEquals(-0.268941, r.dRewardsChosen()[0], 1e-6);
        assertEquals(0.268941, r.dRewardsRejected()[0], 1e-6);
    }

    @Test
    void marginBradleyTerryPenalizesGapBelowMargin() {
        Config margin = new Config(Form.MARGIN, 0.0);
        // gap 1, m = 1: −log σ(0) = log 2 = 0.693147 (spec worked number)
        assertEquals(0.693147, BradleyTerryLoss.compute(margin, new double[] {1.5}, new double[] {0.5}, ONE).loss(), 1e-6);
        // gap 0.5 < m = 1: −log σ(−0.5) = log(1 + e^{0.5}) = 0.974077, above the plain BT value log(1 + e^{−0.5}) = 0.474077
        double below = BradleyTerryLoss.compute(margin, new double[] {1.0}, new double[] {0.5}, ONE).loss();
        double plain = BradleyTerryLoss.compute(Config.defaults(), new double[] {1.0}, new double[] {0.5}, null).loss();
        assertEquals(0.974077, below, 1e-6);
        assertEquals(0.474077, plain, 1e-6);
    }

    @Test
    void scaledBradleyTerryMultipliesLossByPreferenceStrength() {
        // −3 · log σ(1) = 3 · 0.313262 = 0.939785
        RewardPairLossResult r = BradleyTerryLoss.compute(new Config(Form.SCALED, 0.0),
                new double[] {1.5}, new double[] {0.5}, new double[] {3.0});
        assertEquals(0.939785, r.loss(), 1e-6);
        // ∂/∂r_c = −3 · σ(−1) = −3 · 0.2689414 = −0.806824
        assertEquals(-0.806824, r.dRewardsChosen()[0], 1e-6);
    }

    @Test
    void centeringAddsCoefficientTimesMeanSquaredRewardSum() {
        // 0.313262 + 0.01 · (1.5 + 0.5)² = 0.313262 + 0.04 = 0.353262 (spec worked number)
        RewardPairLossResult r = BradleyTerryLoss.compute(new Config(Form.STANDARD, 0.01),
                new double[] {1.5}, new double[] {0.5}, null);
        assertEquals(0.353262, r.loss(), 1e-6);
        // ∂/∂r_c = −0.268941 + 0.01 · 2 · 2 = −0.228941
        assertEquals(-0.228941, r.dRewardsChosen()[0], 1e-6);
    }

    @Test
    void metricsUseTrlNamesAndCountTiesAsWrong() {
        // pairs (1.5, 0.5) correct, (0.2, 0.2) tie → accuracy 1/2; margin (1 + 0)/2; mean (1.5+0.5+0.2+0.2)/4 = 0.6
        RewardPairLossResult r = BradleyTerryLoss.compute(Config.defaults(),
                new double[] {1.5, 0.2}, new double[] {0.5, 0.2}, null);
        assertEquals(0.5, r.metrics().get("accuracy"));
        assertEquals(0.5, r.metrics().get("margin"), 1e-12);
        assertEquals(0.2, r.metrics().get("min_reward"), 1e-12);
        assertEquals(0.6, r.metrics().get("mean_reward"), 1e-12);
        assertEquals(1.5, r.metrics().get("max_reward"), 1e-12);
        // loss = (0.313262 + log 2) / 2 = 0.503204
        assertEquals(0.503204, r.metrics().get("loss"), 1e-6);
    }

    @Test
    void gradientsMatchFiniteDifferencesForEveryForm() {
        double[] rc = {1.5, -0.3, 2.0, 0.1};
        double[] rr = {0.5, 0.4, -1.0, 0.1};
        double[] m = {1.0, 2.0, 0.5, 3.0};
        for (Form form : Form.values()) {
            Config cfg = new Config(form, 0.05);
            RewardPairLossResult r = BradleyTerryLoss.compute(cfg, rc, rr, m);
            FiniteDifference.assertGradient(x -> BradleyTerryLoss.compute(cfg, x, rr, m).loss(), rc, r.dRewardsChosen());
            FiniteDifference.assertGradient(x -> BradleyTerryLoss.compute(cfg, rc, x, m).loss(), rr, r.dRewardsRejected());
        }
    }

    @Test
    void largeRewardGapsStayFinite() {
        RewardPairLossResult r = BradleyTerryLoss.compute(Config.defaults(), new double[] {-800}, new double[] {800}, null);
        assertEquals(1600.0, r.loss(), 1e-9);
        assertEquals(-1.0, r.dRewardsChosen()[0], 1e-12);
    }

    @Test
    void marginFormRequiresMargins() {
        assertThrows(IllegalArgumentException.class, () -> BradleyTerryLoss.compute(new Config(Form.MARGIN, 0),
                new double[] {1}, new double[] {0}, null));
    }

    @Test
    void everyFormLearnsSeparableToyPairs() {
        ToyPreferencePairs train = ToyPreferencePairs.generate(200, 5, 7);
        for (Form form : Form.values()) {
            double[] m = new double[200];
            for (int i = 0; i < m.length; i++) {
                m[i] = form == Form.SCALED ? 1 + i % 3 : 0.5 * (i % 3);
            }
            Config cfg = new Config(form, 0.01);
            double[] w = new double[5];
            assertEquals(0.0, train.accuracy(w), "untrained scorer ties every pair");
            for (int step = 0; step < 300; step++) {
                RewardPairLossResult r = BradleyTerryLoss.compute(cfg,
                        ToyPreferencePairs.scores(w, train.chosen), ToyPreferencePairs.scores(w, train.rejected), m);
                ToyPreferencePairs.step(w, 0.5, r.dRewardsChosen(), train.chosen);
                ToyPreferencePairs.step(w, 0.5, r.dRewardsRejected(), train.rejected);
            }
            assertTrue(train.accuracy(w) >= 0.95, form + " accuracy " + train.accuracy(w) + " w=" + Arrays.toString(w));
        }
    }
}
