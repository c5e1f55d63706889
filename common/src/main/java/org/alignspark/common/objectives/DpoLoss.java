package org.alignspark.common.objectives;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The DPO family as HuggingFace TRL implements it (docs/spec-objectives.md §1; TRL {@code dpo_trainer.py::dpo_loss}, v0.24,
 * and {@code _compute_loss}, v1.x). With log-ratios lr_c = logp_θ(y_c) − logp_ref(y_c), lr_r likewise,
 * Δ = lr_c − lr_r and z = βΔ, the per-pair loss is
 * <ul>
 *   <li>{@link Type#SIGMOID}: −(1−ε) log σ(z) − ε log σ(−z) — DPO (Rafailov et al. 2305.18290 Eq. 7) for ε = 0,
 *       conservative DPO (cDPO) for label smoothing ε &gt; 0;</li>
 *   <li>{@link Type#ROBUST}: [−(1−ε) log σ(z) + ε log σ(−z)] / (1 − 2ε), ε ∈ [0, 0.5) (Chowdhury et al. 2403.00409);</li>
 *   <li>{@link Type#HINGE}: max(0, 1 − z) (SLiC / RSO);</li>
 *   <li>{@link Type#IPO}: (h − 1/(2β))² with the length-normalised h = lr_c/|y_c| − lr_r/|y_r| (Azar et al.
 *       2310.12036 Eq. 17, with TRL's per-token normalisation "confirmed with the IPO authors"). This class takes
 *       the summed logps plus token counts and normalises itself, so the logged rewards stay β × summed log-ratio
 *       as in TRL and the returned gradients are w.r.t. the summed logps.</li>
 * </ul>
 * Reference-free (TRL ≤ v0.28 {@code reference_free}): the reference log-ratio is 0, so Δ = logp_θ(y_c) − logp_θ(y_r).
 * RPO (Pang et al. 2404.19733, TRL {@code rpo_alpha}): adds α · NLL(chosen), where NLL is the token-mean cross-entropy
 * over all chosen completion tokens of the batch, −Σ_i logp_θ(y_c,i) / Σ_i |y_c,i| (TRL's {@code CrossEntropyLoss}
 * over the chosen half of the batch). Batch loss = mean over pairs (+ the RPO term).
 */
public final class DpoLoss {
    private DpoLoss() {
    }

    public enum Type { SIGMOID, ROBUST, HINGE, IPO }

    /**
     * @param beta            β (TRL default 0.1); τ for IPO
     * @param type            loss type (TRL default sigmoid)
     * @param labelSmoothing  ε for cDPO (SIGMOID) and ROBUST; TRL default 0
     * @param referenceFree   TRL {@code reference_free}, default false
     * @param rpoAlpha        weight of the NLL term; TRL default None, i.e. 0 (the RPO paper recommends 1.0)
     */
    public record Config(double beta, Type type, double labelSmoothing, boolean referenceFree, double rpoAlpha) implements java.io.Serializable {
        public Config {
            if (!(beta > 0)) {
                throw new IllegalArgumentException("beta must be > 0");
            }
            if (type == null) {
                throw new IllegalArgumentException("type is required");
            }
            if (!(labelSmoothing >= 0 && labelSmoothing < (type == Type.ROBUST ? 0.5 : 1.0))) {
                throw new IllegalArgumentException("labelSmoothing out of range for " + type + ": " + labelSmoothing);
            }
            if ((type == Type.HINGE || type == Type.IPO) && labelSmoothing != 0) {
                throw new IllegalArgumentException(type + " has no label smoothing");
            }
            if (!(rpoAlpha >= 0)) {
                throw new IllegalArgumentException("rpoAlpha must be >= 0");
            }
        }

        /** TRL DPOConfig defaults: β = 0.1, sigmoid, no smoothing, with a reference model, no RPO term. */
        public static Config defaults() {
            return new Config(0.1, Type.SIGMOID, 0.0, false, 0.0);
        }

        public Config withType(Type t) {
            return new Config(beta, t, labelSmoothing, referenceFree, rpoAlpha);
        }

        public Config withLabelSmoothing(double eps) {
            return new Config(beta, type, eps, referenceFree, rpoAlpha);
        }

        public Config withReferenceFree(boolean free) {
            return new Config(beta, type, labelSmoothing, free, rpoAlpha);
        }

        public Config withRpoAlpha(double alpha) {
            return new Config(beta, type, labelSmoothing, referenceFree, alpha);
        }
    }

    /**
     * @param loss                  mean preference loss + rpoAlpha · nllLoss
     * @param dPolicyChosen         ∂loss/∂logp_θ(y_c), [B], including the RPO term
     * @param dPolicyRejected       ∂loss/∂logp_θ(y_r), [B]
     * @param nllLoss               token-mean NLL of the chosen completions (NaN unless rpoAlpha &gt; 0)
     * @param dNllPerChosenToken    ∂(rpoAlpha · nllLoss)/∂(log-prob of each chosen token) = −rpoAlpha / Σ|y_c|,
     *                              the same for every chosen token (0 unless rpoAlpha &gt; 0); it is already
     *                              included in dPolicyChosen, since ∂logp_θ(y_c)/∂token log-prob = 1
     * @param metrics               TRL's DPO metrics by name
     */
    public record Result(double loss, double[] dPolicyChosen, double[] dPolicyRejected, double nllLoss,
                         double dNllPerChosenToken, Map<String, Double> metrics) {
    }

    public static Result compute(Config config, PreferenceLogps batch) {
        int n = batch.size();
        double beta = config.beta();
        double eps = config.labelSmoothing();
        boolean ipo = config.type() == Type.IPO;
        if (ipo && (batch.chosenLengths() == null || batch.rejectedLengths() == null)) {
            throw new IllegalArgumentException("IPO needs completion token counts for length normalisation");
        }
        double[] dChosen = new double[n];
        double[] dRejected = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double lrC = logRatio(config, batch.policyChosen()[i], batch.refChosen()[i]);
            double lrR = logRatio(config, batch.policyRejected()[i], batch.refRejected()[i]);
            if (ipo) {
                double invC = 1.0 / Math.max(1, batch.chosenLengths()[i]);
                double invR = 1.0 / Math.max(1, batch.rejectedLengths()[i]);
                double gap = lrC * invC - lrR * invR - 1.0 / (2 * beta);
                sum += gap * gap;
                dChosen[i] = 2 * gap * invC / n;
                dRejected[i] = -2 * gap * invR / n;
                continue;
            }
            double z = beta * (lrC - lrR);
            double value;
            double dz; // ∂ℓ/∂z
            switch (config.type()) {
                case SIGMOID -> {
                    value = (1 - eps) * Sigmoid.softplus(-z) + eps * Sigmoid.softplus(z);
                    dz = -(1 - eps) * Sigmoid.sigmoid(-z) + eps * Sigmoid.sigmoid(z);
                }
                case ROBUST -> {
                    value = ((1 - eps) * Sigmoid.softplus(-z) - eps * Sigmoid.softplus(z)) / (1 - 2 * eps);
                    dz = (-(1 - eps) * Sigmoid.sigmoid(-z) - eps * Sigmoid.sigmoid(z)) / (1 - 2 * eps);
                }
                case HINGE -> {
                    value = Math.max(0, 1 - z);
                    dz = z < 1 ? -1 : 0;
                }
                default -> throw new IllegalStateException("unhandled " + config.type());
            }
            sum += value;
            dChosen[i] = dz * beta / n;
            dRejected[i] = -dz * beta / n;
        }
        double loss = sum / n;
        double nll = Double.NaN;
        double dNllToken = 0;
        if (config.rpoAlpha() > 0) {
            if (batch.chosenLengths() == null) {
                throw new IllegalArgumentException("RPO needs chosen completion token counts");
            }
            long tokens = 0;
            double logpSum = 0;
            for (int i = 0; i < n; i++) {
                tokens += batch.chosenLengths()[i];
                logpSum += batch.policyChosen()[i];
            }
            if (tokens == 0) {
                throw new IllegalArgumentException("RPO needs at least one chosen completion token");
            }
            nll = -logpSum / tokens;
            dNllToken = -config.rpoAlpha() / tokens;
            loss += config.rpoAlpha() * nll;
            for (int i = 0; i < n; i++) {
                dChosen[i] += dNllToken;
            }
        }
        return new Result(loss, dChosen, dRejected, nll, dNllToken, metrics(config, batch, loss, nll));
    }

    private static double logRatio(Config config, double policy, double reference) {
        return config.referenceFree() ? policy : policy - reference;
    }

    /**
     * TRL's logged DPO metrics (docs/spec-objectives.md §1d): implicit rewards β·lr (plain log-ratio, whatever the loss
     * type), accuracies with strict &gt;, margins, mean summed logps; plus {@code nll_loss} with RPO and the
     * likelihood-displacement share (not a TRL key, see {@link TrlMetricNames#CHOSEN_LOGPS_BELOW_REFERENCE}).
     */
    private static Map<String, Double> metrics(Config config, PreferenceLogps b, double loss, double nll) {
        int n = b.size();
        double rc = 0;
        double rr = 0;
        double acc = 0;
        double lpC = 0;
        double lpR = 0;
        double below = 0;
        for (int i = 0; i < n; i++) {
            double c = config.beta() * logRatio(config, b.policyChosen()[i], b.refChosen()[i]);
            double r = config.beta() * logRatio(config, b.policyRejected()[i], b.refRejected()[i]);
            rc += c;
            rr += r;
            acc += c > r ? 1 : 0;
            lpC += b.policyChosen()[i];
            lpR += b.policyRejected()[i];
            below += b.policyChosen()[i] < b.refChosen()[i] ? 1 : 0;
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(TrlMetricNames.LOSS, loss);
        m.put(TrlMetricNames.REWARDS_CHOSEN, rc / n);
        m.put(TrlMetricNames.REWARDS_REJECTED, rr / n);
        m.put(TrlMetricNames.REWARDS_ACCURACIES, acc / n);
        m.put(TrlMetricNames.REWARDS_MARGINS, (rc - rr) / n);
        m.put(TrlMetricNames.LOGPS_CHOSEN, lpC / n);
        m.put(TrlMetricNames.LOGPS_REJECTED, lpR / n);
        if (config.rpoAlpha() > 0) {
            m.put(TrlMetricNames.NLL_LOSS, nll);
        }
        m.put(TrlMetricNames.CHOSEN_LOGPS_BELOW_REFERENCE, below / n);
        return Collections.unmodifiableMap(m);
    }
}
