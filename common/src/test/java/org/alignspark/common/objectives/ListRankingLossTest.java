package org.alignspark.common.objectives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.alignspark.common.objectives.ListRankingLoss.Config;
import org.alignspark.common.objectives.ListRankingLoss.Weighting;
import org.alignspark.common.testing.FiniteDifference;
import org.alignspark.common.testing.ToyPreferencePairs;
import org.junit.jupiter.api.Test;

class ListRankingLossTest {
    private static final double[][] SCORES = {{2, 0, 1}};
    private static final double[][] LABELS = {{3, 1, 2}};

    @Test
    void uniformWeightingAveragesPairwiseLogisticLossOverOrderedPairs() {
        // β = 1; ordered pairs (0,1) gap 2, (0,2) gap 1, (2,1) gap 1:
        // (softplus(−2) + 2·softplus(−1))/3 = (0.126928 + 0.626523)/3 = 0.251150
        ListRankingLoss.Result r = ListRankingLoss.compute(new Config(1.0, Weighting.UNIFORM), SCORES, LABELS);
        assertEquals(0.251150, r.loss(), 1e-6);
        // ∂/∂s_0 = −(σ(−2) + σ(−1))/3 = −(0.119203 + 0.268941)/3 = −0.129381; s_1 the opposite; s_2 cancels
        assertEquals(-0.129381, r.dScores()[0][0], 1e-6);
        assertEquals(0.129381, r.dScores()[0][1], 1e-6);
        assertEquals(0.0, r.dScores()[0][2], 1e-12);
        assertEquals(1.0, r.metrics().get("rewards/accuracies"));
        assertEquals(2.0, r.metrics().get("rewards/margins"), 1e-12); // β·(s_top − s_bottom) = 2 − 0
        assertEquals(1.0, r.metrics().get("ndcg"), 1e-12);             // scores already in label order
    }

    @Test
    void lambdaWeightingUsesGainAndRankDiscountDifferences() {
        // G = 2^ψ − 1 = (7, 1, 3); ranks by score: s_0 → 1, s_2 → 2, s_1 → 3; 1/log₂(1+τ) = 1, 0.630930, 0.5
        // Δ_01 = 6·|1 − 0.5| = 3; Δ_02 = 4·|1 − 0.630930| = 1.476281; Δ_21 = 2·|0.630930 − 0.5| = 0.261860
        // L = 3·0.126928 + (1.476281 + 0.261860)·0.313262 = 0.380784 + 0.544493 = 0.925277
        ListRankingLoss.Result r = ListRankingLoss.compute(new Config(1.0, Weighting.LAMBDA), SCORES, LABELS);
        assertEquals(0.925277, r.loss(), 1e-6);
        // ∂/∂s_0 = −3σ(−2) − 1.476281σ(−1) = −0.357610 − 0.397032 = −0.754642
        assertEquals(-0.754642, r.dScores()[0][0], 1e-6);
    }

    @Test
    void equalLabelsFormNoPairAndListsWithoutPairsAreSkipped() {
        // list 1 is all ties; the loss is list 0's alone
        double[][] scores = {{2, 0, 1}, {5, -5}};
        double[][] labels = {{3, 1, 2}, {1, 1}};
        ListRankingLoss.Result r = ListRankingLoss.compute(new Config(1.0, Weighting.UNIFORM), scores, labels);
        assertEquals(0.251150, r.loss(), 1e-6);
        assertEquals(1.0, r.metrics().get("lists_with_pairs"));
        assertEquals(0.0, r.dScores()[1][0]);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        double[][] labels = {{3, 1, 2, 2}, {0, 4}};
        double[] flat = {0.3, -1.2, 0.8, 0.1, 2.0, -0.4};
        for (Weighting weighting : Weighting.values()) {
            Config cfg = new Config(0.7, weighting);
            ListRankingLoss.Result r = ListRankingLoss.compute(cfg, split(flat), labels);
            double[] analytic = {r.dScores()[0][0], r.dScores()[0][1], r.dScores()[0][2], r.dScores()[0][3],
                    r.dScores()[1][0], r.dScores()[1][1]};
            // λ-weights are piecewise constant in s (ranks); the check point has no score ties, so they do not move
            FiniteDifference.assertGradient(x -> ListRankingLoss.compute(cfg, split(x), labels).loss(), flat, analytic);
        }
    }

    private static double[][] split(double[] x) {
        return new double[][] {Arrays.copyOfRange(x, 0, 4), Arrays.copyOfRange(x, 4, 6)};
    }

    /** Lists of 4 responses, labels = true rank grade 0..3 under a hidden direction, scores = (w − w_ref)·x. */
    @Test
    void everyWeightingLearnsToRankToyLists() {
        Random rnd = new Random(31);
        int lists = 100;
        int k = 4;
        int dim = 5;
        double[] wStar = ToyPreferencePairs.gaussian(rnd, dim);
        double[] wRef = ToyPreferencePairs.gaussian(rnd, dim);
        double[][][] xs = new double[lists][k][];
        double[][] labels = new double[lists][k];
        for (int l = 0; l < lists; l++) {
            for (int i = 0; i < k; i++) {
                xs[l][i] = ToyPreferencePairs.gaussian(rnd, dim);
            }
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    labels[l][i] += ToyPreferencePairs.dot(wStar, xs[l][i]) > ToyPreferencePairs.dot(wStar, xs[l][j]) ? 1 : 0;
                }
            }
        }
        for (Weighting weighting : Weighting.values()) {
            Config cfg = new Config(0.5, weighting);
            double[] w = wRef.clone();
            for (int step = 0; step < 300; step++) {
                ListRankingLoss.Result r = ListRankingLoss.compute(cfg, scores(w, wRef, xs), labels);
                for (int l = 0; l < lists; l++) {
                    ToyPreferencePairs.step(w, 2.0, r.dScores()[l], xs[l]);
                }
            }
            double acc = ListRankingLoss.compute(cfg, scores(w, wRef, xs), labels).metrics().get("rewards/accuracies");
            assertTrue(acc >= 0.95, weighting + " ranked " + acc);
        }
    }

    private static double[][] scores(double[] w, double[] wRef, double[][][] xs) {
        double[][] s = new double[xs.length][];
        for (int l = 0; l < xs.length; l++) {
            s[l] = new double[xs[l].length];
            for (int i = 0; i < xs[l].length; i++) {
                s[l][i] = ToyPreferencePairs.dot(w, xs[l][i]) - ToyPreferencePairs.dot(wRef, xs[l][i]);
            }
        }
        return s;
    }
}
