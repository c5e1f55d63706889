package org.alignspark.common.objectives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.alignspark.common.objectives.BcoLoss.Config;
import org.alignspark.common.testing.FiniteDifference;
import org.alignspark.common.testing.ToyBinaryFeedback;
import org.alignspark.common.testing.ToyPreferencePairs;
import org.junit.jupiter.api.Test;

class BcoLossTest {
    // r = 0.1 · (−9 − (−10)) = 0.1 (desirable), r = 0.1 · (−11 − (−10)) = −0.1 (undesirable)
    private static final UnpairedLogps BATCH = new UnpairedLogps(new double[] {-9, -11}, new double[] {-10, -10},
            new boolean[] {true, false});

    @Test
    void bcoMatchesSpecWorkedNumbers() {
        // desirable −log σ(0.1 − 0.02) = softplus(−0.08) = 0.653947
        // undesirable −log σ(−(−0.1 − 0.02)) = softplus(−0.12) = 0.634946; mean 0.644447
        BcoLoss.Result r = BcoLoss.compute(Config.defaults(), BATCH, 0.02, null);
        assertEquals(0.644447, r.loss(), 1e-6);
        // ∂/∂logp: −σ(−0.08)·β/2 = −0.480011·0.05 = −0.0240005; +σ(−0.12)·β/2 = 0.470036·0.05 = 0.0235018
        assertEquals(-0.0240005, r.dPolicy()[0], 1e-7);
        assertEquals(0.0235018, r.dPolicy()[1], 1e-7);
        assertEquals(0.02, r.metrics().get("delta"));
        assertEquals(0.2, r.metrics().get("rewards/margins"), 1e-12);
    }

    @Test
    void densityRatioWeightsScaleOnlyUndesirableExamples() {
        // weights (5, 3): desirable keeps weight 1 → (0.653947 + 3 · 0.634946)/2 = 1.279393
        BcoLoss.Result r = BcoLoss.compute(Config.defaults(), BATCH, 0.02, new double[] {5, 3});
        assertEquals(1.279393, r.loss(), 1e-6);
    }

    @Test
    void runningMomentsMatchHandComputedUpdates() {
        RunningMoments m = new RunningMoments();
        // first batch (1, 3): m_b 2, v_b 1; from count 1e-24 the state becomes the batch's: mean 2, var 1,
        // std √(1 · 2/1) = 1.414214, count 2
        m.update(new double[] {1, 3});
        assertEquals(2.0, m.mean(), 1e-12);
        assertEquals(1.0, m.var(), 1e-12);
        assertEquals(1.414214, m.std(), 1e-6);
        // second batch (6): Δ = 4, N = 3, mean = 2 + 4/3 = 3.333333;
        // var = (1·2 + 16·2·1/3 + 0)/3 = (2 + 10.666667)/3 = 4.222222 = population variance of (1, 3, 6)
        m.update(new double[] {6});
        assertEquals(10.0 / 3, m.mean(), 1e-12);
        assertEquals(38.0 / 9, m.var(), 1e-12);
        assertEquals(3.0, m.count(), 1e-12);
    }

    @Test
    void trainingStepShiftsByMeanIncludingTheCurrentBatch() {
        RunningMoments m = new RunningMoments();
        BcoLoss.Result r = BcoLoss.trainingStep(Config.defaults(), BATCH, m, null);
        // rewards (0.1, −0.1) → δ = 0 after the first update
        assertEquals(0.0, r.delta(), 1e-12);
        assertEquals(0.0, m.mean(), 1e-12);
    }

    @Test
    void foldingBatchSummariesEqualsFoldingTheValues() {
        RunningMoments values = new RunningMoments();
        values.update(new double[] {1, 3});
        values.update(new double[] {6, -2, 4});
        RunningMoments summaries = new RunningMoments();
        // the second batch first: order does not change the count-weighted mean or the pooled variance
        summaries.update(3, 8.0 / 3, (36 + 4 + 16) / 3.0 - 64.0 / 9);
        summaries.update(2, 2, 1);
        assertEquals(values.mean(), summaries.mean(), 1e-12);
        assertEquals(12.0 / 5, summaries.mean(), 1e-12);
        assertEquals(values.var(), summaries.var(), 1e-12);
        assertEquals(5.0, summaries.count(), 1e-12);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        double[] policy = {-9, -11, -3.5, -20};
        UnpairedLogps b = new UnpairedLogps(policy, new double[] {-10, -10, -4, -19}, new boolean[] {true, false, true, false});
        double[] weights = {2, 0.5, 7, 1.5};
        Config cfg = new Config(0.4, 0.5, 10);
        BcoLoss.Result r = BcoLoss.compute(cfg, b, 0.3, weights);
        FiniteDifference.assertGradient(x -> BcoLoss.compute(cfg, b.withPolicy(x), 0.3, weights).loss(), policy, r.dPolicy());
    }

    @Test
    void densityRatioIsClippedToConfiguredRange() {
        assertEquals(0.5, DensityRatioClassifier.clippedDensityRatio(0.1, 0.5, 10), 1e-12);  // 0.111 → 0.5
        assertEquals(3.0, DensityRatioClassifier.clippedDensityRatio(0.75, 0.5, 10), 1e-6);  // 0.75/0.25
        assertEquals(10.0, DensityRatioClassifier.clippedDensityRatio(0.99, 0.5, 10), 1e-12); // 99 → 10
    }

    @Test
    void logisticFitReachesTheRegularisedOptimum() {
        // one desirable prompt at x = +1, one undesirable at x = −1, class weights 1: by symmetry b = 0 and
        // ½w² + 2·softplus(−w) is minimal where w = 2σ(−w), i.e. w = 0.674832 (Newton iteration by hand)
        DensityRatioClassifier c = DensityRatioClassifier.fit(new double[][] {{1}}, new double[][] {{-1}});
        assertEquals(0.674832, c.weights()[0], 1e-6);
        assertEquals(0.0, c.intercept(), 1e-8);
        // p(+1) = σ(0.674832) = 0.662584 → ratio 0.662584/0.337416 = 1.963702
        assertEquals(1.963702, c.undesirableWeight(new double[] {1}, Config.defaults()), 1e-5);
    }

    @Test
    void logisticFitBalancesUnequalClassesAndSeparatesPrompts() {
        Random rnd = new Random(2);
        double[][] good = new double[60][];
        double[][] bad = new double[20][];
        for (int i = 0; i < good.length; i++) {
            good[i] = new double[] {1 + 0.5 * rnd.nextGaussian(), rnd.nextGaussian()};
        }
        for (int i = 0; i < bad.length; i++) {
            bad[i] = new double[] {-1 + 0.5 * rnd.nextGaussian(), rnd.nextGaussian()};
        }
        DensityRatioClassifier c = DensityRatioClassifier.fit(good, bad);
        // gradient of the balanced, regularised objective vanishes at the fit
        double[][] xs = new double[80][];
        double[] ys = new double[80];
        double[] sw = new double[80];
        for (int i = 0; i < 80; i++) {
            xs[i] = i < 60 ? good[i] : bad[i - 60];
            ys[i] = i < 60 ? 1 : 0;
            sw[i] = i < 60 ? 80 / 120.0 : 80 / 40.0;
        }
        double[] grad = new double[3];
        new DensityRatioClassifier.Objective(xs, ys, sw, 1.0)
                .evaluate(new double[] {c.weights()[0], c.weights()[1], c.intercept()}, grad);
        for (double g : grad) {
            assertEquals(0.0, g, 1e-6);
        }
        assertTrue(c.probabilityDesirable(new double[] {1.5, 0}) > 0.9);
        assertTrue(c.probabilityDesirable(new double[] {-1.5, 0}) < 0.1);
    }

    @Test
    void separatesDesirableFromUndesirableOnToyData() {
        ToyBinaryFeedback toy = ToyBinaryFeedback.generate(200, 5, new Random(19));
        double[] w = toy.wRef.clone();
        RunningMoments moments = new RunningMoments();
        BcoLoss.Result r = null;
        for (int step = 0; step < 300; step++) {
            UnpairedLogps b = new UnpairedLogps(ToyPreferencePairs.scores(w, toy.xs), toy.refLogps, toy.desirable);
            r = BcoLoss.trainingStep(Config.defaults(), b, moments, null);
            ToyPreferencePairs.step(w, 20.0, r.dPolicy(), toy.xs);
        }
        // classifier: desirable iff β·lr > δ
        assertTrue(toy.separation(w, 0.1, r.delta()) >= 0.95, "separated " + toy.separation(w, 0.1, r.delta()));
    }
}
