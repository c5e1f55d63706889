package org.alignspark.common.objectives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.alignspark.common.objectives.KtoLoss.Config;
import org.alignspark.common.objectives.KtoLoss.Type;
import org.alignspark.common.testing.FiniteDifference;
import org.alignspark.common.testing.ToyBinaryFeedback;
import org.alignspark.common.testing.ToyPreferencePairs;
import org.junit.jupiter.api.Test;

class KtoLossTest {
    // desirable lr = −9 − (−10) = +1, undesirable lr = −11 − (−10) = −1
    private static final UnpairedLogps BATCH = new UnpairedLogps(new double[] {-9, -11}, new double[] {-10, -10},
            new boolean[] {true, false});
    // mismatched rows: (−5 + 5.4, −6 + 6.2) = (0.4, 0.2), mean 0.3
    private static final double[] KL_POLICY = {-5, -6};
    private static final double[] KL_REF = {-5.4, -6.2};

    @Test
    void ktoMatchesSpecWorkedNumbers() {
        // desirable: 1 − σ(0.1 · (1 − 0.3)) = 1 − σ(0.07) = 0.482507
        // undesirable: 1 − σ(0.1 · (0.3 − (−1))) = 1 − σ(0.13) = 0.467546; mean 0.475026
        KtoLoss.Result r = KtoLoss.compute(Config.defaults(), BATCH, KL_POLICY, KL_REF);
        assertEquals(0.3, r.kl(), 1e-12);
        assertEquals(0.475026, r.loss(), 1e-6);
        // ∂/∂logp: −β σ(0.07)(1 − σ(0.07))/2 = −0.0124847; +β σ(0.13)(1 − σ(0.13))/2 = 0.0124473
        assertEquals(-0.0124847, r.dPolicy()[0], 1e-7);
        assertEquals(0.0124473, r.dPolicy()[1], 1e-7);
    }

    @Test
    void referencePointIsClampedAtZero() {
        // mismatched rows more likely under the reference: mean −0.5 → z₀ = 0
        assertEquals(0.0, KtoLoss.referencePoint(new double[] {-6, -7}, new double[] {-5.5, -6.5}));
    }

    @Test
    void desirableAndUndesirableWeightsScaleTheirExamples() {
        // (2 · 0.482507 + 0.5 · 0.467546) / 2 = (0.965014 + 0.233773) / 2 = 0.599394
        KtoLoss.Result r = KtoLoss.compute(new Config(0.1, 2.0, 0.5, Type.KTO), BATCH, KL_POLICY, KL_REF);
        assertEquals(0.599394, r.loss(), 1e-6);
    }

    @Test
    void apoZeroUnpairedNeedsNoReferencePoint() {
        // desirable 1 − σ(0.1) = 0.475021; undesirable σ(−0.1) = 0.475021; mean 0.475021
        KtoLoss.Result r = KtoLoss.compute(new Config(0.1, 1, 1, Type.APO_ZERO_UNPAIRED), BATCH, null, null);
        assertEquals(0.475021, r.loss(), 1e-6);
        assertEquals(0.0, r.kl());
    }

    @Test
    void metricsFollowTrlAndOmitMarginsWithOneLabel() {
        KtoLoss.Result r = KtoLoss.compute(Config.defaults(), BATCH, KL_POLICY, KL_REF);
        assertEquals(0.3, r.metrics().get("kl"), 1e-12);
        assertEquals(0.1, r.metrics().get("rewards/chosen"), 1e-12);
        assertEquals(-0.1, r.metrics().get("rewards/rejected"), 1e-12);
        assertEquals(0.2, r.metrics().get("rewards/margins"), 1e-12);
        assertEquals(-9.0, r.metrics().get("logps/chosen"), 1e-12);
        UnpairedLogps onlyGood = new UnpairedLogps(new double[] {-9}, new double[] {-10}, new boolean[] {true});
        KtoLoss.Result one = KtoLoss.compute(Config.defaults(), onlyGood, KL_POLICY, KL_REF);
        assertFalse(one.metrics().containsKey("rewards/margins"));
        assertFalse(one.metrics().containsKey("rewards/rejected"));
    }

    @Test
    void mismatchedPairsRotateCompletionsWithinEachDeviceBatch() {
        // chunks {0,1,2} and {3,4}: prompt 0 ← completion 2, 1 ← 0, 2 ← 1; 3 ← 4, 4 ← 3
        assertArrayEquals(new int[] {2, 0, 1, 4, 3}, KtoLoss.mismatchedCompletionIndices(5, 3));
        assertThrows(IllegalArgumentException.class, () -> KtoLoss.mismatchedCompletionIndices(4, 1));
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        double[] policy = {-9, -11, -3.5, -20};
        UnpairedLogps b = new UnpairedLogps(policy, new double[] {-10, -10, -4, -19}, new boolean[] {true, false, true, false});
        for (Config cfg : new Config[] {new Config(0.3, 1.5, 0.7, Type.KTO), new Config(0.3, 1.5, 0.7, Type.APO_ZERO_UNPAIRED)}) {
            KtoLoss.Result r = KtoLoss.compute(cfg, b, KL_POLICY, KL_REF);
            FiniteDifference.assertGradient(x -> KtoLoss.compute(cfg, b.withPolicy(x), KL_POLICY, KL_REF).loss(),
                    policy, r.dPolicy());
        }
    }

    /** Toy: the KL rows are the completions rotated by one (mismatched), scored by the current w, no gradient. */
    @Test
    void separatesDesirableFromUndesirableOnToyData() {
        Random rnd = new Random(17);
        int n = 200;
        ToyBinaryFeedback toy = ToyBinaryFeedback.generate(n, 5, rnd);
        // mismatched rows: the completion of another example, perturbed because in real data the prompt differs
        int[] kl = KtoLoss.mismatchedCompletionIndices(n, 8);
        double[][] klXs = new double[n][];
        for (int i = 0; i < n; i++) {
            klXs[i] = toy.xs[kl[i]].clone();
            klXs[i][0] += 0.5 * rnd.nextGaussian();
        }
        double[] refKl = ToyPreferencePairs.scores(toy.wRef, klXs);
        double[] w = toy.wRef.clone();
        assertTrue(toy.separation(w, 1.0, 0.0) < 0.7, "untrained policy does not separate");
        KtoLoss.Result r = null;
        for (int step = 0; step < 400; step++) {
            UnpairedLogps b = new UnpairedLogps(ToyPreferencePairs.scores(w, toy.xs), toy.refLogps, toy.desirable);
            r = KtoLoss.compute(Config.defaults(), b, ToyPreferencePairs.scores(w, klXs), refKl);
            ToyPreferencePairs.step(w, 20.0, r.dPolicy(), toy.xs);
        }
        assertTrue(toy.separation(w, 1.0, r.kl()) >= 0.95, "separated " + toy.separation(w, 1.0, r.kl()));
        assertTrue(r.metrics().get("rewards/margins") > 0);
    }
}
