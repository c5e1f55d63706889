package org.alignspark.common.objectives;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SteerLM-style regression reward model (docs/spec-data-side.md §5a, HelpSteer2-Preference arXiv 2410.01257):
 * a linear head predicts K attribute scores (helpfulness, correctness, coherence, complexity, verbosity, each 0–4),
 * trained with mean squared error to the gold ratings. The mean runs over all B·K entries, as
 * {@code torch.nn.MSELoss(reduction="mean")} does; K = 1 is the "helpfulness-only" variant.
 */
public final class RewardRegressionLoss {
    private RewardRegressionLoss() {
    }

    /**
     * @param loss        mean over B·K entries of (pred − target)²
     * @param dPredicted  ∂loss/∂pred, [B][K]
     * @param metrics     {@code loss} and {@code mse/<k>} per attribute index k
     */
    public record Result(double loss, double[][] dPredicted, Map<String, Double> metrics) {
    }

    /**
     * @param predicted [B][K] head outputs
     * @param target    [B][K] gold attribute scores
     */
    public static Result compute(double[][] predicted, double[][] target) {
        int n = predicted.length;
        BatchStats.requireNonEmpty(n);
        if (target.length != n) {
            throw new IllegalArgumentException("target has " + target.length + " rows, predicted has " + n);
        }
        int k = predicted[0].length;
        double[][] d = new double[n][k];
        double[] perAttribute = new double[k];
        double count = (double) n * k;
        for (int i = 0; i < n; i++) {
            BatchStats.requireSameLength("predicted[" + i + "]", k, predicted[i]);
            BatchStats.requireSameLength("target[" + i + "]", k, target[i]);
            for (int j = 0; j < k; j++) {
                double e = predicted[i][j] - target[i][j];
                perAttribute[j] += e * e;
                d[i][j] = 2.0 * e / count;
            }
        }
        double total = 0;
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(TrlMetricNames.LOSS, 0.0);
        for (int j = 0; j < k; j++) {
            total += perAttribute[j];
            m.put("mse/" + j, perAttribute[j] / n);
        }
        double loss = total / count;
        m.put(TrlMetricNames.LOSS, loss);
        return new Result(loss, d, Collections.unmodifiableMap(m));
    }
}
