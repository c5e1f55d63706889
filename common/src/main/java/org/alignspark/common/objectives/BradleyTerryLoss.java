package org.alignspark.common.objectives;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bradley–Terry reward-model losses over a batch of pairs (docs/spec-objectives.md §7, docs/spec-data-side.md §5a).
 * <ul>
 *   <li>{@link Form#STANDARD}: {@code -log σ(r_c − r_r)} (TRL RewardTrainer.compute_loss without a margin column).</li>
 *   <li>{@link Form#MARGIN}: {@code -log σ(r_c − r_r − m)} (Llama-2, arXiv 2307.09288 §3.2.2; TRL's {@code margin} column).</li>
 *   <li>{@link Form#SCALED}: {@code -m · log σ(r_c − r_r)} (HelpSteer2-Preference, arXiv 2410.01257, "Scaled BT").</li>
 * </ul>
 * Batch loss = mean over pairs, plus TRL's centering term {@code c · mean((r_c + r_r)²)}
 * (Eisenstein et al. arXiv 2312.09244 Eq. 2, as TRL reward_trainer.py adds it; recommended c = 0.01).
 */
public final class BradleyTerryLoss {
    private BradleyTerryLoss() {
    }

    public enum Form {
        STANDARD, MARGIN, SCALED;

        /** The form by its command-line name: bt, margin-bt or scaled-bt. */
        public static Form parse(String name) {
            return switch (name) {
                case "bt" -> STANDARD;
                case "margin-bt" -> MARGIN;
                case "scaled-bt" -> SCALED;
                default -> throw new IllegalArgumentException("--loss must be bt, margin-bt or scaled-bt, got '" + name + "'");
            };
        }
    }

    /**
     * @param form                      which BT form
     * @param centerRewardsCoefficient  TRL {@code center_rewards_coefficient}; TRL default None, i.e. 0 here
     */
    public record Config(Form form, double centerRewardsCoefficient) implements java.io.Serializable {
        public Config {
            if (form == null) {
                throw new IllegalArgumentException("form is required");
            }
            if (!(centerRewardsCoefficient >= 0)) {
                throw new IllegalArgumentException("centerRewardsCoefficient must be >= 0");
            }
        }

        /** TRL RewardConfig defaults: plain BT, no centering. */
        public static Config defaults() {
            return new Config(Form.STANDARD, 0.0);
        }
    }

    /**
     * @param rewardsChosen   r(x, y_c), [B]
     * @param rewardsRejected r(x, y_r), [B]
     * @param margins         m per pair, [B]; required for MARGIN and SCALED, ignored (may be null) for STANDARD
     */
    public static RewardPairLossResult compute(Config config, double[] rewardsChosen, double[] rewardsRejected,
                                               double[] margins) {
        int n = rewardsChosen.length;
        BatchStats.requireNonEmpty(n);
        BatchStats.requireSameLength("rewardsRejected", n, rewardsRejected);
        if (config.form() != Form.STANDARD) {
            BatchStats.requireSameLength("margins", n, margins);
        }
        double[] dChosen = new double[n];
        double[] dRejected = new double[n];
        double sum = 0;
        double centerSum = 0;
        for (int i = 0; i < n; i++) {
            double gap = rewardsChosen[i] - rewardsRejected[i];
            double z = config.form() == Form.MARGIN ? gap - margins[i] : gap;
            double scale = config.form() == Form.SCALED ? margins[i] : 1.0;
            sum += scale * Sigmoid.softplus(-z);
            // d/dz [-log σ(z)] = -σ(-z)
            double dz = -scale * Sigmoid.sigmoid(-z) / n;
            double s = rewardsChosen[i] + rewardsRejected[i];
            centerSum += s * s;
            double dCenter = config.centerRewardsCoefficient() * 2.0 * s / n;
            dChosen[i] = dz + dCenter;
            dRejected[i] = -dz + dCenter;
        }
        double loss = sum / n + config.centerRewardsCoefficient() * centerSum / n;
        return new RewardPairLossResult(loss, dChosen, dRejected, metrics(loss, rewardsChosen, rewardsRejected));
    }

    /** TRL RewardTrainer metrics: accuracy (strict >), margin, min/mean/max over all 2B rewards. */
    static Map<String, Double> metrics(double loss, double[] rc, double[] rr) {
        int n = rc.length;
        double correct = 0;
        double margin = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double total = 0;
        for (int i = 0; i < n; i++) {
            correct += rc[i] > rr[i] ? 1 : 0;
            margin += rc[i] - rr[i];
            min = Math.min(min, Math.min(rc[i], rr[i]));
            max = Math.max(max, Math.max(rc[i], rr[i]));
            total += rc[i] + rr[i];
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(TrlMetricNames.LOSS, loss);
        m.put(TrlMetricNames.ACCURACY, correct / n);
        m.put(TrlMetricNames.MARGIN, margin / n);
        m.put(TrlMetricNames.MIN_REWARD, min);
        m.put(TrlMetricNames.MEAN_REWARD, total / (2.0 * n));
        m.put(TrlMetricNames.MAX_REWARD, max);
        return Collections.unmodifiableMap(m);
    }
}
