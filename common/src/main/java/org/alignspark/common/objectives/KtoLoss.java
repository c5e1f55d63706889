package org.alignspark.common.objectives;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Kahneman–Tversky Optimization as TRL's KTOTrainer computes it (Ethayarajh et al. arXiv 2402.01306 Eq. 7;
 * docs/spec-objectives.md §2). With lr = logp_θ(y|x) − logp_ref(y|x) and the reference point
 * z₀ = max(0, mean_i [logp_θ(y'_i|x_i) − logp_ref(y'_i|x_i)]) over mismatched pairs (x_i, y'_i) of the same
 * minibatch — detached, so it carries no gradient — the per-example loss is
 * <ul>
 *   <li>desirable: w_D · (1 − σ(β (lr − z₀)))</li>
 *   <li>undesirable: w_U · (1 − σ(β (z₀ − lr)))</li>
 * </ul>
 * and the batch loss is the mean over all examples present. {@link Type#APO_ZERO_UNPAIRED} is TRL's
 * {@code apo_zero_unpaired}: desirable 1 − σ(β lr), undesirable σ(β lr), no reference point.
 */
public final class KtoLoss {
    private KtoLoss() {
    }

    public enum Type { KTO, APO_ZERO_UNPAIRED }

    /** TRL KTOConfig: beta 0.1, desirable_weight 1.0, undesirable_weight 1.0, loss_type "kto". */
    public record Config(double beta, double desirableWeight, double undesirableWeight, Type type) implements java.io.Serializable {
        public Config {
            if (!(beta > 0) || !(desirableWeight >= 0) || !(undesirableWeight >= 0) || type == null) {
                throw new IllegalArgumentException("need beta > 0, weights >= 0 and a type");
            }
        }

        public static Config defaults() {
            return new Config(0.1, 1.0, 1.0, Type.KTO);
        }
    }

    /**
     * @param loss     mean weighted loss over the N examples
     * @param dPolicy  ∂loss/∂logp_θ(y|x), [N] (none flows to the KL rows: z₀ is detached)
     * @param kl       z₀ after clamping at 0
     * @param metrics  TRL's KTO metrics by name
     */
    public record Result(double loss, double[] dPolicy, double kl, Map<String, Double> metrics) {
    }

    /**
     * The mismatched pairs of TRL's {@code _get_kl_dataset}: within each consecutive chunk of
     * {@code perDeviceBatchSize} examples the completions are rotated by one, so prompt j of a chunk is paired
     * with the completion of example j − 1 (the chunk's first prompt takes its last completion).
     *
     * @return for each example i, the index of the completion its KL row uses, [N]
     */
    public static int[] mismatchedCompletionIndices(int n, int perDeviceBatchSize) {
        if (perDeviceBatchSize < 2) {
            throw new IllegalArgumentException("KTO needs per-device batches of at least 2 (TRL raises otherwise)");
        }
        int[] idx = new int[n];
        for (int start = 0; start < n; start += perDeviceBatchSize) {
            int end = Math.min(n, start + perDeviceBatchSize);
            for (int i = start; i < end; i++) {
                idx[i] = i == start ? end - 1 : i - 1;
            }
        }
        return idx;
    }

    /**
     * z₀ = max(0, mean(policyKl − referenceKl)), the KL reference point estimated from the mismatched rows.
     *
     * @param policyKlLogps    log π_θ(y'|x) of the mismatched rows, [M]
     * @param referenceKlLogps log π_ref(y'|x) of the same rows, [M]
     */
    public static double referencePoint(double[] policyKlLogps, double[] referenceKlLogps) {
        BatchStats.requireNonEmpty(policyKlLogps.length);
        BatchStats.requireSameLength("referenceKlLogps", policyKlLogps.length, referenceKlLogps);
        double s = 0;
        for (int i = 0; i < policyKlLogps.length; i++) {
            s += policyKlLogps[i] - referenceKlLogps[i];
        }
        return Math.max(0.0, s / policyKlLogps.length);
    }

    /**
     * @param policyKlLogps    see {@link #referencePoint}; ignored (may be null) for APO_ZERO_UNPAIRED
     * @param referenceKlLogps see {@link #referencePoint}; ignored (may be null) for APO_ZERO_UNPAIRED
     */
    public static Result compute(Config config, UnpairedLogps batch, double[] policyKlLogps,
                                 double[] referenceKlLogps) {
        double kl = config.type() == Type.KTO ? referencePoint(policyKlLogps, referenceKlLogps) : 0.0;
        int n = batch.size();
        double beta = config.beta();
        double[] d = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double lr = batch.logRatio(i);
            boolean good = batch.desirable()[i];
            double weight = good ? config.desirableWeight() : config.undesirableWeight();
            // both types: loss = w·(1 − σ(u)) with u = ±β(lr − z₀); for APO undesirable, σ(βlr) = 1 − σ(−βlr)
            double u = good ? beta * (lr - kl) : -beta * (lr - kl);
            double s = Sigmoid.sigmoid(u);
            sum += weight * (1 - s);
            double du = -weight * s * (1 - s); // ∂[w(1 − σ(u))]/∂u
            d[i] = (good ? beta : -beta) * du / n;
        }
        double loss = sum / n;
        return new Result(loss, d, kl, metrics(beta, batch, loss, kl));
    }

    /** TRL KTO metrics: kl, rewards/* as Σβ·lr / count per label, margins only when both labels are present. */
    private static Map<String, Double> metrics(double beta, UnpairedLogps b, double loss, double kl) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(TrlMetricNames.LOSS, loss);
        m.put(TrlMetricNames.KL, kl);
        UnpairedRewardMetrics.put(m, b.implicitRewards(beta), b);
        return Collections.unmodifiableMap(m);
    }
}
