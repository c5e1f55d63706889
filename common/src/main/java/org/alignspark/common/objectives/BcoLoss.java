package org.alignspark.common.objectives;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Binary Classifier Optimization (Jung et al. arXiv 2404.04656; TRL {@code trl/experimental/bco/bco_trainer.py},
 * docs/spec-objectives.md §3). The implicit reward r = β (logp_θ(y|x) − logp_ref(y|x)) is a classifier logit, shifted by δ,
 * the running mean of all implicit rewards ({@link RunningMoments}), detached:
 * desirable −log σ(r − δ), undesirable −log σ(−(r − δ)), each undesirable example optionally weighted by its
 * prompt density ratio ({@link DensityRatioClassifier}, "underlying distribution matching"); batch loss = mean.
 */
public final class BcoLoss {
    private BcoLoss() {
    }

    /** TRL BCOConfig: beta 0.1, min_density_ratio 0.5, max_density_ratio 10. */
    public record Config(double beta, double minDensityRatio, double maxDensityRatio) implements java.io.Serializable {
        public Config {
            if (!(beta > 0) || !(minDensityRatio > 0) || !(maxDensityRatio >= minDensityRatio)) {
                throw new IllegalArgumentException("need beta > 0 and 0 < minDensityRatio <= maxDensityRatio");
            }
        }

        public static Config defaults() {
            return new Config(0.1, 0.5, 10.0);
        }
    }

    /**
     * @param loss     mean (weighted) loss
     * @param dPolicy  ∂loss/∂logp_θ(y|x), [N]; δ and the weights carry no gradient
     * @param delta    the reward shift used
     * @param metrics  TRL's BCO metrics by name
     */
    public record Result(double loss, double[] dPolicy, double delta, Map<String, Double> metrics) {
    }

    /**
     * A training step as TRL orders it: fold this batch's implicit rewards into {@code moments} first,
     * then compute the loss with δ = the updated mean. For evaluation call {@link #compute} with the current mean.
     */
    public static Result trainingStep(Config config, UnpairedLogps batch, RunningMoments moments,
                                      double[] undesirableWeights) {
        moments.update(batch.implicitRewards(config.beta()));
        return compute(config, batch, moments.mean(), undesirableWeights);
    }

    /**
     * @param delta              reward shift δ
     * @param undesirableWeights density-ratio weight per example, [N], applied to undesirable examples only
     *                           (desirable weight is 1); null for no weighting
     */
    public static Result compute(Config config, UnpairedLogps batch, double delta, double[] undesirableWeights) {
        int n = batch.size();
        if (undesirableWeights != null) {
            BatchStats.requireSameLength("undesirableWeights", n, undesirableWeights);
        }
        double beta = config.beta();
        double[] d = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double shifted = beta * batch.logRatio(i) - delta;
            if (batch.desirable()[i]) {
                sum += Sigmoid.softplus(-shifted);
                d[i] = -Sigmoid.sigmoid(-shifted) * beta / n;
            } else {
                double w = undesirableWeights == null ? 1.0 : undesirableWeights[i];
                sum += w * Sigmoid.softplus(shifted);
                d[i] = w * Sigmoid.sigmoid(shifted) * beta / n;
            }
        }
        double loss = sum / n;
        return new Result(loss, d, delta, metrics(config, batch, loss, delta));
    }

    /** TRL BCO metrics: delta, rewards/* and logps/* per label, margins when both labels are present. */
    private static Map<String, Double> metrics(Config config, UnpairedLogps b, double loss, double delta) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(TrlMetricNames.LOSS, loss);
        m.put(TrlMetricNames.DELTA, delta);
        UnpairedRewardMetrics.put(m, b.implicitRewards(config.beta()), b);
        return Collections.unmodifiableMap(m);
    }
}
