package org.alignspark.common.objectives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.alignspark.common.testing.FiniteDifference;
import org.alignspark.common.testing.ToyPreferencePairs;
import org.junit.jupiter.api.Test;

class RewardRegressionLossTest {

    @Test
    void meanSquaredErrorAveragesOverAllAttributeEntries() {
        // errors: row 0 (1, −2), row 1 (0, 3) → squares 1, 4, 0, 9 → sum 14 / 4 entries = 3.5
        double[][] pred = {{3, 1}, {2, 4}};
        double[][] gold = {{2, 3}, {2, 1}};
        RewardRegressionLoss.Result r = RewardRegressionLoss.compute(pred, gold);
        assertEquals(3.5, r.loss(), 1e-12);
        // per attribute: attr 0 (1 + 0)/2 = 0.5, attr 1 (4 + 9)/2 = 6.5
        assertEquals(0.5, r.metrics().get("mse/0"), 1e-12);
        assertEquals(6.5, r.metrics().get("mse/1"), 1e-12);
        // ∂/∂pred = 2·e/4: (0.5, −1), (0, 1.5)
        assertEquals(-1.0, r.dPredicted()[0][1], 1e-12);
        assertEquals(1.5, r.dPredicted()[1][1], 1e-12);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        double[][] gold = {{2, 3, 0.5}, {2, 1, 4}};
        double[] flat = {3, 1, -1, 2, 4, 0.25};
        RewardRegressionLoss.Result r = RewardRegressionLoss.compute(unflatten(flat), gold);
        double[] analytic = new double[6];
        for (int i = 0; i < 6; i++) {
            analytic[i] = r.dPredicted()[i / 3][i % 3];
        }
        FiniteDifference.assertGradient(x -> RewardRegressionLoss.compute(unflatten(x), gold).loss(), flat, analytic);
    }

    private static double[][] unflatten(double[] x) {
        return new double[][] {{x[0], x[1], x[2]}, {x[3], x[4], x[5]}};
    }

    @Test
    void linearHeadLearnsAttributeScoresAndRanksPairs() {
        // Two attributes, each a linear function of the response features; the learned helpfulness head
        // must then order the toy pairs (whose preference is the first attribute's true direction).
        ToyPreferencePairs pairs = ToyPreferencePairs.generate(100, 4, 11);
        Random rnd = new Random(3);
        double[] second = ToyPreferencePairs.gaussian(rnd, 4);
        double[][] xs = new double[200][];
        double[][] gold = new double[200][2];
        for (int i = 0; i < 100; i++) {
            xs[2 * i] = pairs.chosen[i];
            xs[2 * i + 1] = pairs.rejected[i];
        }
        for (int i = 0; i < 200; i++) {
            gold[i][0] = ToyPreferencePairs.dot(pairs.wStar, xs[i]);
            gold[i][1] = ToyPreferencePairs.dot(second, xs[i]);
        }
        double[][] w = new double[2][4];
        double first = Double.NaN;
        double last = Double.NaN;
        for (int step = 0; step < 300; step++) {
            double[][] pred = new double[200][2];
            for (int i = 0; i < 200; i++) {
                pred[i][0] = ToyPreferencePairs.dot(w[0], xs[i]);
                pred[i][1] = ToyPreferencePairs.dot(w[1], xs[i]);
            }
            RewardRegressionLoss.Result r = RewardRegressionLoss.compute(pred, gold);
            first = step == 0 ? r.loss() : first;
            last = r.loss();
            for (int i = 0; i < 200; i++) {
                for (int k = 0; k < 2; k++) {
                    for (int j = 0; j < 4; j++) {
                        w[k][j] -= 0.5 * r.dPredicted()[i][k] * xs[i][j];
                    }
                }
            }
        }
        assertTrue(last < 1e-3 * first, "loss " + first + " -> " + last);
        assertTrue(pairs.accuracy(w[0]) >= 0.95, "pair accuracy " + pairs.accuracy(w[0]));
    }
}
