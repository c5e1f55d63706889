package org.alignspark.common.objectives;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Every pairwise preference loss of HuggingFace TRL, as one weighted sum (docs/spec-objectives.md §1 and §11; TRL
 * {@code dpo_trainer.py::_compute_loss}, v1.x, {@code dpo_loss}, v0.24, {@code cpo_trainer.py::cpo_loss} and
 * {@code orpo_trainer.py::odds_ratio_loss}). With log-ratios lr_c = logp_θ(y_c) − logp_ref(y_c), lr_r likewise
 * (the reference term is 0 when {@link Config#referenceFree}), the f-divergence scores s = f′(lr) of
 * {@link FDivergence} (s = lr for the default reverse KL), Δ = s_c − s_r, and |y| the completion token count, the
 * per-pair losses ℓ are (σ the logistic function, sp(x) = log(1 + eˣ) = −log σ(−x), ε the label smoothing):
 * <ul>
 *   <li>{@link Type#SIGMOID}: (1−ε) sp(−βΔ) + ε sp(βΔ) — DPO (Rafailov et al. 2305.18290 Eq. 7), cDPO for ε &gt; 0;</li>
 *   <li>{@link Type#ROBUST}: [(1−ε) sp(−βΔ) − ε sp(βΔ)] / (1 − 2ε), ε ∈ [0, 0.5) (Chowdhury et al. 2403.00409 Eq. 12);</li>
 *   <li>{@link Type#HINGE}: max(0, 1 − βΔ) (SLiC 2305.10425 / RSO 2309.06657);</li>
 *   <li>{@link Type#IPO}: (s_c/|y_c| − s_r/|y_r| − 1/(2β))² (Azar et al. 2310.12036 Eq. 17, TRL's per-token normalisation);</li>
 *   <li>{@link Type#EXO_PAIR}: σ(βΔ)(log σ(βΔ) − log(1−ε_x)) + σ(−βΔ)(log σ(−βΔ) − log ε_x), the reverse KL from the
 *       smoothed label [(1−ε_x), ε_x] (Ji et al. 2402.00856 Eq. 16);</li>
 *   <li>{@link Type#NCA_PAIR}: sp(−βs_c) + ½ sp(βs_c) + ½ sp(βs_r) (Chen et al. 2402.05369, NCA for K = 2);</li>
 *   <li>{@link Type#BCO_PAIR}: sp(−(βs_c − δ)) + sp(βs_r − δ), each response a binary-classifier logit (Jung et al.
 *       2404.04656); TRL v1 has δ = 0, TRL ≤ v0.24 δ = the running mean of the batch-mean rewards
 *       ({@link #compute(Config, PreferenceLogps, double)});</li>
 *   <li>{@link Type#SPPO_HARD}: (s_c − 1/(2β))² + (s_r + 1/(2β))² (Wu et al. 2405.00675 Eq. 4.7 with hard P ∈ {0, 1});</li>
 *   <li>{@link Type#AOT}: (1−ε) sp(−βδ_k) + ε sp(βδ_k), δ_k = sort(logp_θ(y_c) − logp_θ(y_r))_k −
 *       sort(logp_ref(y_c) − logp_ref(y_r))_k, the k-th order statistics over the batch (Melnyk et al. 2406.05882);
 *       {@link Type#AOT_UNPAIRED}: the same with δ_k = sort(lr_c)_k − sort(lr_r)_k;</li>
 *   <li>{@link Type#APO_ZERO}: 1 − σ(β lr_c) + σ(β lr_r) (D'Oosterlinck et al. 2408.06266 Eq. 7);
 *       {@link Type#APO_DOWN}: σ(β lr_c) + 1 − σ(βΔ) (ibid. Eq. 8);</li>
 *   <li>{@link Type#DISCOPOP}: (1 − m) sp(−βΔ) + m e^{−βΔ}, m = σ(βΔ/τ), the log-ratio modulated loss (Chris Lu et al.
 *       2406.08414 Eq. 5);</li>
 *   <li>{@link Type#SFT}: −Σ_i logp_θ(y_c,i) / Σ_i |y_c,i|, the token-mean NLL of the batch's chosen completions (TRL's
 *       {@code cross_entropy} over chosen completion tokens), the same value for every pair;</li>
 *   <li>{@link Type#SIGMOID_NORM}: sp(−β(s_c/|y_c| − s_r/|y_r|)), the length-normalised sigmoid (SimPO 2405.14734 §2);</li>
 *   <li>{@link Type#SIMPO}: reference-free, (1−ε) sp(−z) + ε sp(z), z = β(logp_θ(y_c)/|y_c| − logp_θ(y_r)/|y_r|) − γ
 *       (Meng et al. 2405.14734 Eq. 6; TRL {@code CPOTrainer} {@code loss_type="simpo"}, label smoothing as CPO's);</li>
 *   <li>{@link Type#ORPO}: reference-free, NLL_seq − β log σ(log odds), log odds = (ā_c − ā_r) − (log(1 − e^{ā_c}) −
 *       log(1 − e^{ā_r})), ā = logp_θ(y)/|y| the mean token log-prob, and NLL_seq the token-mean NLL of the chosen rows
 *       over prompt AND completion tokens, as TRL's {@code ORPOTrainer} computes it (Hong et al. 2403.07691 Eqs. 4, 6, 7).</li>
 * </ul>
 * Several losses in one run (MPO, Wang et al. 2411.10442 §3.2; TRL {@code loss_type} list with {@code loss_weights}):
 * loss = Σ_k w_k · mean_i ℓ_k,i. WPO (Zhou et al. 2406.11827 Eq. 2; TRL {@code use_weighting}): each ℓ_k,i is multiplied
 * by the pair weight ω_i = w(x, y_c) w(x, y_r) of {@link WpoWeight} (no gradient), not allowed with the AOT losses, which
 * sort the pairs. LD-DPO ({@link LengthDesensitization}) changes the sequence log-probs before they get here.
 * RPO (Pang et al. 2404.19733, TRL ≤ v0.28 {@code rpo_alpha}) adds α · SFT, never weighted.
 * <p>
 * Gradients are w.r.t. the summed sequence log-probs the preference terms score by ({@link Result#dPolicyChosen}), and
 * separately w.r.t. the raw summed completion log-prob of chosen ({@link Result#dRawChosen}: SFT, RPO and ORPO's NLL
 * score raw tokens, also under LD-DPO) and the summed prompt-token log-prob of chosen ({@link Result#dPromptChosen}, ORPO).
 */
public final class DpoLoss {
    private DpoLoss() {
    }

    /** The losses by their TRL names ({@code loss_type}; SIMPO and ORPO are TRL's CPO and ORPO trainers). */
    public enum Type {
        SIGMOID, ROBUST, HINGE, IPO, EXO_PAIR, NCA_PAIR, BCO_PAIR, SPPO_HARD, AOT, AOT_UNPAIRED, APO_ZERO, APO_DOWN,
        DISCOPOP, SFT(false), SIGMOID_NORM, SIMPO(false), ORPO(false);

        private final boolean needsReference;

        Type() {
            this(true);
        }

        Type(boolean needsReference) {
            this.needsReference = needsReference;
        }

        /** Whether the loss reads the reference model's log-probs (unless {@link Config#referenceFree}). */
        public boolean needsReference() {
            return needsReference;
        }

        public String trlName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** A TRL name ({@code sigmoid}, {@code exo_pair}, …), case-insensitive. */
        public static Type parse(String name) {
            for (Type t : values()) {
                if (t.trlName().equalsIgnoreCase(name.trim())) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown loss '" + name + "'; one of " + Arrays.stream(values())
                    .map(Type::trlName).collect(Collectors.joining(", ")));
        }

        boolean usesLabelSmoothing() {
            return this == SIGMOID || this == ROBUST || this == AOT || this == AOT_UNPAIRED || this == SIMPO;
        }
    }

    /**
     * The f-divergence regulariser of f-DPO (Wang et al. 2309.16240, Table 1; TRL {@code f_divergence_type}): each
     * log-ratio u = lr becomes the score f′(e^u) with f′'s constant dropped: reverse KL u; forward KL −e^{−u};
     * Jensen–Shannon log σ(u); α-divergence e^{(α−1)u}/(α−1), its exponent capped at 80 as TRL caps it for float32
     * (α = 1 is reverse KL).
     */
    public enum FDivergence {
        REVERSE_KL, FORWARD_KL, JS_DIVERGENCE, ALPHA_DIVERGENCE;

        public static FDivergence parse(String name) {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        }

        /** f′ score of log-ratio u. */
        double score(double u, double alpha) {
            return switch (this) {
                case REVERSE_KL -> u;
                case FORWARD_KL -> -Math.exp(-u);
                case JS_DIVERGENCE -> Sigmoid.logSigmoid(u);
                case ALPHA_DIVERGENCE -> Math.abs(alpha - 1) < 1e-6 ? u : Math.exp(Math.min((alpha - 1) * u, 80.0)) / (alpha - 1);
            };
        }

        /** d score / du. */
        double slope(double u, double alpha) {
            return switch (this) {
                case REVERSE_KL -> 1.0;
                case FORWARD_KL -> Math.exp(-u);
                case JS_DIVERGENCE -> Sigmoid.sigmoid(-u);
                case ALPHA_DIVERGENCE -> Math.abs(alpha - 1) < 1e-6 ? 1.0 : (alpha - 1) * u > 80.0 ? 0.0 : Math.exp((alpha - 1) * u);
            };
        }
    }

    /** One loss of the sum with its weight (TRL {@code loss_weights}, default 1). */
    public record Term(Type type, double weight) implements java.io.Serializable {
        public Term {
            if (type == null || !Double.isFinite(weight)) {
                throw new IllegalArgumentException("a loss term needs a type and a finite weight");
            }
        }
    }

    /**
     * @param beta            β (TRL default 0.1); τ for IPO
     * @param terms           the losses and their weights (TRL {@code loss_type}, {@code loss_weights})
     * @param labelSmoothing  ε of cDPO (sigmoid), robust, AOT and SimPO; TRL default 0
     * @param referenceFree   TRL ≤ v0.28 {@code reference_free}: every reference log-prob is taken as 0
     * @param rpoAlpha        weight of RPO's NLL term; 0 is none (the RPO paper recommends 1.0)
     * @param fDivergence     TRL {@code f_divergence_type}, default reverse KL
     * @param fAlphaCoef      α of the α-divergence, TRL {@code f_alpha_divergence_coef}, default 0.5
     * @param simpoGamma      SimPO's target margin γ, TRL CPOConfig {@code simpo_gamma}, default 0.5
     * @param discopopTau     DiscoPOP's τ, TRL {@code discopop_tau}, default 0.05
     * @param exoEpsilon      EXO's ε_x; TRL takes it from {@code label_smoothing} (which must then be &gt; 0); here it
     *                        is its own option so that EXO can be mixed with cDPO/robust terms; default 1e-3, the EXO
     *                        paper's value
     * @param ldAlpha         LD-DPO's α ∈ [0, 1], TRL {@code ld_alpha}; NaN is off (see {@link LengthDesensitization})
     * @param useWeighting    WPO's pair weights, TRL {@code use_weighting}
     */
    public record Config(double beta, List<Term> terms, double labelSmoothing, boolean referenceFree, double rpoAlpha,
                         FDivergence fDivergence, double fAlphaCoef, double simpoGamma, double discopopTau,
                         double exoEpsilon, double ldAlpha, boolean useWeighting) implements java.io.Serializable {
        public Config {
            if (!(beta > 0)) {
                throw new IllegalArgumentException("beta must be > 0");
            }
            if (terms == null || terms.isEmpty()) {
                throw new IllegalArgumentException("at least one loss is required");
            }
            terms = List.copyOf(terms);
            boolean robust = terms.stream().anyMatch(t -> t.type() == Type.ROBUST);
            if (!(labelSmoothing >= 0 && labelSmoothing < (robust ? 0.5 : 1.0))) {
                throw new IllegalArgumentException("labelSmoothing out of range" + (robust ? " for robust ([0, 0.5))" : "")
                        + ": " + labelSmoothing);
            }
            if (labelSmoothing != 0 && terms.stream().noneMatch(t -> t.type().usesLabelSmoothing())) {
                throw new IllegalArgumentException(types(terms) + " has no label smoothing (sigmoid, robust, aot, aot_unpaired and simpo have)");
            }
            if (!(rpoAlpha >= 0)) {
                throw new IllegalArgumentException("rpoAlpha must be >= 0");
            }
            if (fDivergence == null || !Double.isFinite(fAlphaCoef)) {
                throw new IllegalArgumentException("need an f-divergence and a finite α coefficient");
            }
            if (!(discopopTau > 0) || !(exoEpsilon > 0 && exoEpsilon < 1) || !Double.isFinite(simpoGamma)) {
                throw new IllegalArgumentException("need discopopTau > 0, 0 < exoEpsilon < 1 and a finite simpoGamma");
            }
            if (!Double.isNaN(ldAlpha) && !(ldAlpha >= 0 && ldAlpha <= 1)) {
                throw new IllegalArgumentException("ldAlpha must be in [0, 1], got " + ldAlpha);
            }
            if (useWeighting && terms.stream().anyMatch(t -> t.type() == Type.AOT || t.type() == Type.AOT_UNPAIRED)) {
                throw new IllegalArgumentException("WPO weighting is not defined for aot / aot_unpaired: they sort the pairs");
            }
        }

        /** One loss, weight 1, the other settings at TRL's defaults. */
        public Config(double beta, Type type, double labelSmoothing, boolean referenceFree, double rpoAlpha) {
            this(beta, List.of(new Term(type, 1.0)), labelSmoothing, referenceFree, rpoAlpha, FDivergence.REVERSE_KL, 0.5,
                    0.5, 0.05, 1e-3, Double.NaN, false);
        }

        /** TRL DPOConfig defaults: β = 0.1, sigmoid, no smoothing, with a reference model, no RPO term. */
        public static Config defaults() {
            return new Config(0.1, Type.SIGMOID, 0.0, false, 0.0);
        }

        public Config withType(Type t) {
            return withTerms(List.of(new Term(t, 1.0)));
        }

        public Config withTerms(List<Term> t) {
            return new Config(beta, t, labelSmoothing, referenceFree, rpoAlpha, fDivergence, fAlphaCoef, simpoGamma,
                    discopopTau, exoEpsilon, ldAlpha, useWeighting);
        }

        public Config withLabelSmoothing(double eps) {
            return new Config(beta, terms, eps, referenceFree, rpoAlpha, fDivergence, fAlphaCoef, simpoGamma,
                    discopopTau, exoEpsilon, ldAlpha, useWeighting);
        }

        public Config withReferenceFree(boolean free) {
            return new Config(beta, terms, labelSmoothing, free, rpoAlpha, fDivergence, fAlphaCoef, simpoGamma,
                    discopopTau, exoEpsilon, ldAlpha, useWeighting);
        }

        public Config withRpoAlpha(double alpha) {
            return new Config(beta, terms, labelSmoothing, referenceFree, alpha, fDivergence, fAlphaCoef, simpoGamma,
                    discopopTau, exoEpsilon, ldAlpha, useWeighting);
        }

        public Config withFDivergence(FDivergence f, double alphaCoef) {
            return new Config(beta, terms, labelSmoothing, referenceFree, rpoAlpha, f, alphaCoef, simpoGamma,
                    discopopTau, exoEpsilon, ldAlpha, useWeighting);
        }

        public Config withSimpoGamma(double gamma) {
            return new Config(beta, terms, labelSmoothing, referenceFree, rpoAlpha, fDivergence, fAlphaCoef, gamma,
                    discopopTau, exoEpsilon, ldAlpha, useWeighting);
        }

        public Config withDiscopopTau(double tau) {
            return new Config(beta, terms, labelSmoothing, referenceFree, rpoAlpha, fDivergence, fAlphaCoef, simpoGamma,
                    tau, exoEpsilon, ldAlpha, useWeighting);
        }

        public Config withExoEpsilon(double eps) {
            return new Config(beta, terms, labelSmoothing, referenceFree, rpoAlpha, fDivergence, fAlphaCoef, simpoGamma,
                    discopopTau, eps, ldAlpha, useWeighting);
        }

        public Config withLdAlpha(double alpha) {
            return new Config(beta, terms, labelSmoothing, referenceFree, rpoAlpha, fDivergence, fAlphaCoef, simpoGamma,
                    discopopTau, exoEpsilon, alpha, useWeighting);
        }

        public Config withWeighting(boolean weighting) {
            return new Config(beta, terms, labelSmoothing, referenceFree, rpoAlpha, fDivergence, fAlphaCoef, simpoGamma,
                    discopopTau, exoEpsilon, ldAlpha, weighting);
        }

        /** Whether any loss reads reference log-probs: false for simpo, orpo, sft and {@link #referenceFree}. */
        public boolean needsReference() {
            return !referenceFree && terms.stream().anyMatch(t -> t.type().needsReference());
        }

        public boolean has(Type type) {
            return terms.stream().anyMatch(t -> t.type() == type);
        }

        public boolean lengthDesensitized() {
            return !Double.isNaN(ldAlpha);
        }

        /**
         * Whether rewards and logps are logged as TRL's CPO and ORPO trainers log them (β·mean token log-prob, mean
         * token log-prob): a run of simpo/orpo, with sft at most. Every other run logs the DPO trainer's (β·summed
         * log-ratio, summed log-prob).
         */
        public boolean lengthNormalisedMetrics() {
            return !needsReference() && (has(Type.SIMPO) || has(Type.ORPO))
                    && terms.stream().allMatch(t -> t.type() == Type.SIMPO || t.type() == Type.ORPO || t.type() == Type.SFT);
        }

        /** The losses as given on the command line: {@code sigmoid,bco_pair,sft}. */
        public String names() {
            return types(terms);
        }
    }

    private static String types(List<Term> terms) {
        return terms.stream().map(t -> t.type().trlName()).collect(Collectors.joining(","));
    }

    /**
     * @param loss           Σ_k w_k · mean ℓ_k + rpoAlpha · SFT
     * @param dPolicyChosen  ∂loss/∂logp_θ(y_c), [B], through the preference terms (the sequence log-probs they score)
     * @param dPolicyRejected ∂loss/∂logp_θ(y_r), [B]
     * @param dRawChosen     ∂loss/∂(raw summed completion log-prob of y_c), [B]: the NLL terms (SFT, RPO, ORPO)
     * @param dPromptChosen  ∂loss/∂(summed log-prob of the chosen row's prompt tokens), [B]: ORPO's NLL only
     * @param nllLoss        token-mean NLL of the chosen completions (NaN unless SFT or RPO is in the loss)
     * @param metrics        TRL's metrics by name
     */
    public record Result(double loss, double[] dPolicyChosen, double[] dPolicyRejected, double[] dRawChosen,
                         double[] dPromptChosen, double nllLoss, Map<String, Double> metrics) {
        /** ∂loss/∂logp_θ(y_c) when the sequence log-prob is the raw one (no LD-DPO): both paths together. */
        public double[] dChosenTotal() {
            double[] out = dPolicyChosen.clone();
            for (int i = 0; i < out.length; i++) {
                out[i] += dRawChosen[i];
            }
            return out;
        }
    }

    /** The loss with TRL v1's bco_pair (δ = 0). */
    public static Result compute(Config config, PreferenceLogps batch) {
        return compute(config, batch, 0.0);
    }

    /** @param bcoPairDelta the reward shift δ of bco_pair (0 in TRL v1; TRL ≤ v0.24's running mean) */
    public static Result compute(Config config, PreferenceLogps batch, double bcoPairDelta) {
        int n = batch.size();
        boolean ref = !config.referenceFree();
        if (config.needsReference() && (batch.refChosen() == null || batch.refRejected() == null)) {
            throw new IllegalArgumentException(config.names() + " needs reference log-probs");
        }
        boolean needLengths = config.has(Type.IPO) || config.has(Type.SIGMOID_NORM) || config.has(Type.SIMPO)
                || config.has(Type.ORPO) || config.has(Type.SFT) || config.rpoAlpha() > 0;
        if (needLengths && (batch.chosenLengths() == null || batch.rejectedLengths() == null)) {
            throw new IllegalArgumentException(config.names() + " needs completion token counts");
        }
        if (config.useWeighting() && batch.pairWeights() == null) {
            throw new IllegalArgumentException("WPO weighting needs pair weights");
        }
        double[] pc = batch.policyChosen();
        double[] pr = batch.policyRejected();
        double[] lrC = new double[n];
        double[] lrR = new double[n];
        double[] sC = new double[n];
        double[] sR = new double[n];
        double[] dsC = new double[n];   // d s_c / d lr_c
        double[] dsR = new double[n];
        double fa = config.fAlphaCoef();
        for (int i = 0; i < n; i++) {
            lrC[i] = pc[i] - (ref && batch.refChosen() != null ? batch.refChosen()[i] : 0.0);
            lrR[i] = pr[i] - (ref && batch.refRejected() != null ? batch.refRejected()[i] : 0.0);
            sC[i] = config.fDivergence().score(lrC[i], fa);
            sR[i] = config.fDivergence().score(lrR[i], fa);
            dsC[i] = config.fDivergence().slope(lrC[i], fa);
            dsR[i] = config.fDivergence().slope(lrR[i], fa);
        }
        double[] omega = new double[n];
        for (int i = 0; i < n; i++) {
            omega[i] = config.useWeighting() ? batch.pairWeights()[i] : 1.0;
        }
        double meanOmega = BatchStats.mean(omega);

        double[] dC = new double[n];
        double[] dR = new double[n];
        double[] dRaw = new double[n];
        double[] dPrompt = new double[n];
        double loss = 0;
        Map<String, Double> extra = new LinkedHashMap<>();
        double nll = Double.NaN;
        if (config.has(Type.SFT) || config.rpoAlpha() > 0) {
            nll = chosenNll(batch);
        }
        for (Term term : config.terms()) {
            double w = term.weight();
            Type type = term.type();
            double sum = 0;   // Σ_i ω_i ℓ_i
            switch (type) {
                case SFT -> {
                    // ℓ_i = NLL for every pair: mean_i ω_i NLL = mean(ω) NLL; ∂NLL/∂(raw sum_j) = −1/Σ|y_c|
                    sum = n * meanOmega * nll;
                    double perToken = -w * meanOmega / chosenTokens(batch);
                    for (int i = 0; i < n; i++) {
                        dRaw[i] += perToken;
                    }
                }
                case ORPO -> sum = orpo(config, batch, w, omega, dC, dR, dRaw, dPrompt, extra);
                case AOT, AOT_UNPAIRED -> sum = aot(type, config, batch, lrC, lrR, w, dC, dR);
                default -> {
                    for (int i = 0; i < n; i++) {
                        double[] g = new double[2];   // ∂ℓ_i/∂pc_i, ∂ℓ_i/∂pr_i
                        double value = pairLoss(type, config, batch, i, lrC[i], lrR[i], sC[i], sR[i], dsC[i], dsR[i],
                                bcoPairDelta, g);
                        sum += omega[i] * value;
                        dC[i] += w * omega[i] * g[0] / n;
                        dR[i] += w * omega[i] * g[1] / n;
                    }
                }
            }
            loss += w * sum / n;
        }
        if (config.rpoAlpha() > 0) {
            loss += config.rpoAlpha() * nll;
            double perToken = -config.rpoAlpha() / chosenTokens(batch);
            for (int i = 0; i < n; i++) {
                dRaw[i] += perToken;
            }
        }
        Map<String, Double> metrics = metrics(config, batch, loss, nll, extra);
        return new Result(loss, dC, dR, dRaw, dPrompt, nll, metrics);
    }

    /** ℓ_i of the per-pair losses, with ∂ℓ_i/∂pc_i in g[0] and ∂ℓ_i/∂pr_i in g[1]. */
    private static double pairLoss(Type type, Config config, PreferenceLogps b, int i, double lrC, double lrR,
                                   double sC, double sR, double dsC, double dsR, double bcoDelta, double[] g) {
        double beta = config.beta();
        double eps = config.labelSmoothing();
        double delta = sC - sR;
        double z = beta * delta;
        switch (type) {
            case SIGMOID -> {
                double dz = -(1 - eps) * Sigmoid.sigmoid(-z) + eps * Sigmoid.sigmoid(z);
                return onDelta(dz * beta, dsC, dsR, g, (1 - eps) * Sigmoid.softplus(-z) + eps * Sigmoid.softplus(z));
            }
            case ROBUST -> {
                double dz = (-(1 - eps) * Sigmoid.sigmoid(-z) - eps * Sigmoid.sigmoid(z)) / (1 - 2 * eps);
                return onDelta(dz * beta, dsC, dsR, g, ((1 - eps) * Sigmoid.softplus(-z) - eps * Sigmoid.softplus(z)) / (1 - 2 * eps));
            }
            case HINGE -> {
                return onDelta(z < 1 ? -beta : 0.0, dsC, dsR, g, Math.max(0, 1 - z));
            }
            case IPO -> {
                double invC = 1.0 / Math.max(1, b.chosenLengths()[i]);
                double invR = 1.0 / Math.max(1, b.rejectedLengths()[i]);
                double gap = sC * invC - sR * invR - 1.0 / (2 * beta);
                g[0] = 2 * gap * invC * dsC;
                g[1] = -2 * gap * invR * dsR;
                return gap * gap;
            }
            case EXO_PAIR -> {
                double ex = config.exoEpsilon();
                double p = Sigmoid.sigmoid(z);
                double q = Sigmoid.sigmoid(-z);
                double value = p * (Sigmoid.logSigmoid(z) - Math.log1p(-ex)) + q * (Sigmoid.logSigmoid(-z) - Math.log(ex));
                // d/dz = σ(z)σ(−z) (z − log((1−ε)/ε)), since log σ(z) − log σ(−z) = z
                double dz = p * q * (z - Math.log1p(-ex) + Math.log(ex));
                return onDelta(dz * beta, dsC, dsR, g, value);
            }
            case NCA_PAIR -> {
                double rc = beta * sC;
                double rr = beta * sR;
                g[0] = (-Sigmoid.sigmoid(-rc) + 0.5 * Sigmoid.sigmoid(rc)) * beta * dsC;
                g[1] = 0.5 * Sigmoid.sigmoid(rr) * beta * dsR;
                return Sigmoid.softplus(-rc) + 0.5 * Sigmoid.softplus(rc) + 0.5 * Sigmoid.softplus(rr);
            }
            case BCO_PAIR -> {
                double uc = beta * sC - bcoDelta;
                double ur = beta * sR - bcoDelta;
                g[0] = -Sigmoid.sigmoid(-uc) * beta * dsC;
                g[1] = Sigmoid.sigmoid(ur) * beta * dsR;
                return Sigmoid.softplus(-uc) + Sigmoid.softplus(ur);
            }
            case SPPO_HARD -> {
                double a = sC - 0.5 / beta;
                double c = sR + 0.5 / beta;
                g[0] = 2 * a * dsC;
                g[1] = 2 * c * dsR;
                return a * a + c * c;
            }
            case APO_ZERO -> {
                // raw log-ratios, as TRL (no f-divergence score)
                double pcS = Sigmoid.sigmoid(beta * lrC);
                double prS = Sigmoid.sigmoid(beta * lrR);
                g[0] = -pcS * (1 - pcS) * beta;
                g[1] = prS * (1 - prS) * beta;
                return 1 - pcS + prS;
            }
            case APO_DOWN -> {
                double pcS = Sigmoid.sigmoid(beta * lrC);
                double pz = Sigmoid.sigmoid(z);
                g[0] = pcS * (1 - pcS) * beta - pz * (1 - pz) * beta * dsC;
                g[1] = pz * (1 - pz) * beta * dsR;
                return pcS + 1 - pz;
            }
            case DISCOPOP -> {
                double tau = config.discopopTau();
                double m = Sigmoid.sigmoid(z / tau);
                double dm = m * (1 - m) / tau;
                double logistic = Sigmoid.softplus(-z);
                double exp = Math.exp(-z);
                double dz = -Sigmoid.sigmoid(-z) * (1 - m) - exp * m + dm * (exp - logistic);
                return onDelta(dz * beta, dsC, dsR, g, logistic * (1 - m) + exp * m);
            }
            case SIGMOID_NORM -> {
                double invC = 1.0 / Math.max(1, b.chosenLengths()[i]);
                double invR = 1.0 / Math.max(1, b.rejectedLengths()[i]);
                double zn = beta * (sC * invC - sR * invR);
                double dz = -Sigmoid.sigmoid(-zn) * beta;
                g[0] = dz * invC * dsC;
                g[1] = -dz * invR * dsR;
                return Sigmoid.softplus(-zn);
            }
            case SIMPO -> {
                double invC = 1.0 / Math.max(1, b.chosenLengths()[i]);
                double invR = 1.0 / Math.max(1, b.rejectedLengths()[i]);
                double zs = beta * (b.policyChosen()[i] * invC - b.policyRejected()[i] * invR) - config.simpoGamma();
                double dz = -(1 - eps) * Sigmoid.sigmoid(-zs) + eps * Sigmoid.sigmoid(zs);
                g[0] = dz * beta * invC;
                g[1] = -dz * beta * invR;
                return (1 - eps) * Sigmoid.softplus(-zs) + eps * Sigmoid.softplus(zs);
            }
            default -> throw new IllegalStateException("unhandled " + type);
        }
    }

    /** ℓ depends on Δ = s_c − s_r only: ∂ℓ/∂pc = ℓ′(Δ) s_c′, ∂ℓ/∂pr = −ℓ′(Δ) s_r′. */
    private static double onDelta(double dDelta, double dsC, double dsR, double[] g, double value) {
        g[0] = dDelta * dsC;
        g[1] = -dDelta * dsR;
        return value;
    }

    /** AOT's sorted-quantile losses; returns Σ_k ℓ_k and adds w·∂(mean ℓ)/∂ to the pairs each order statistic came from. */
    private static double aot(Type type, Config config, PreferenceLogps b, double[] lrC, double[] lrR, double w,
                              double[] dC, double[] dR) {
        int n = b.size();
        double beta = config.beta();
        double eps = config.labelSmoothing();
        boolean ref = !config.referenceFree();
        double[] first = new double[n];    // aot: policy logp_c − logp_r; aot_unpaired: lr_c
        double[] second = new double[n];   // aot: reference logp_c − logp_r; aot_unpaired: lr_r
        for (int i = 0; i < n; i++) {
            if (type == Type.AOT) {
                first[i] = b.policyChosen()[i] - b.policyRejected()[i];
                second[i] = ref ? b.refChosen()[i] - b.refRejected()[i] : 0.0;
            } else {
                first[i] = lrC[i];
                second[i] = lrR[i];
            }
        }
        Integer[] byFirst = order(first);
        Integer[] bySecond = order(second);
        double sum = 0;
        for (int k = 0; k < n; k++) {
            int i = byFirst[k];
            int j = bySecond[k];
            double z = beta * (first[i] - second[j]);
            sum += (1 - eps) * Sigmoid.softplus(-z) + eps * Sigmoid.softplus(z);
            double dDelta = w * beta * (-(1 - eps) * Sigmoid.sigmoid(-z) + eps * Sigmoid.sigmoid(z)) / n;
            if (type == Type.AOT) {
                dC[i] += dDelta;          // first = pc − pr; the reference quantile has no gradient
                dR[i] -= dDelta;
            } else {
                dC[i] += dDelta;          // first = lr_c of pair i, second = lr_r of pair j
                dR[j] -= dDelta;
            }
        }
        return sum;
    }

    private static Integer[] order(double[] xs) {
        Integer[] idx = new Integer[xs.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, Comparator.comparingDouble(i -> xs[i]));
        return idx;
    }

    /** ORPO: Σ_i ω_i (NLL_seq − β log σ(log odds_i)), its gradients added with weight w. */
    private static double orpo(Config config, PreferenceLogps b, double w, double[] omega, double[] dC, double[] dR,
                               double[] dRaw, double[] dPrompt, Map<String, Double> extra) {
        if (b.chosenPromptLogps() == null || b.chosenPromptTokens() == null) {
            throw new IllegalArgumentException("orpo needs the chosen rows' prompt-token log-probs (its NLL is over prompt and completion)");
        }
        int n = b.size();
        double beta = config.beta();
        double rawSum = 0;
        long tokens = 0;
        for (int i = 0; i < n; i++) {
            rawSum += b.rawChosen()[i] + b.chosenPromptLogps()[i];
            tokens += b.chosenLengths()[i] + b.chosenPromptTokens()[i];
        }
        double nllSeq = -rawSum / tokens;
        double sum = 0;
        double ratioSum = 0;
        double oddsSum = 0;
        double meanOmega = 0;
        for (int i = 0; i < n; i++) {
            double invC = 1.0 / Math.max(1, b.chosenLengths()[i]);
            double invR = 1.0 / Math.max(1, b.rejectedLengths()[i]);
            double ac = b.policyChosen()[i] * invC;
            double ar = b.policyRejected()[i] * invR;
            double logOdds = (ac - ar) - (log1mexp(ac) - log1mexp(ar));
            double ratio = Sigmoid.logSigmoid(logOdds);
            sum += omega[i] * (nllSeq - beta * ratio);
            ratioSum += ratio;
            oddsSum += logOdds;
            meanOmega += omega[i] / n;
            // ∂(−β log σ(x))/∂x = −β σ(−x); ∂x/∂ā_c = 1/(1 − e^{ā_c}); ∂x/∂ā_r = −1/(1 − e^{ā_r})
            double dx = -beta * Sigmoid.sigmoid(-logOdds) * w * omega[i] / n;
            dC[i] += dx * invC / -Math.expm1(ac);
            dR[i] -= dx * invR / -Math.expm1(ar);
        }
        double perToken = -w * meanOmega / tokens;
        for (int i = 0; i < n; i++) {
            dRaw[i] += perToken;
            dPrompt[i] += perToken;
        }
        extra.put(TrlMetricNames.LOG_ODDS_RATIO, ratioSum / n);
        extra.put(TrlMetricNames.LOG_ODDS_CHOSEN, oddsSum / n);
        extra.put(config.has(Type.SFT) || config.rpoAlpha() > 0 ? TrlMetricNames.ORPO_NLL_LOSS : TrlMetricNames.NLL_LOSS, nllSeq);
        return sum;
    }

    /** log(1 − eˣ) for x &lt; 0, stable on both sides of −log 2 (Mächler 2012). */
    static double log1mexp(double x) {
        if (!(x < 0)) {
            throw new IllegalArgumentException("log(1 − e^x) needs x < 0 (a mean token log-prob), got " + x);
        }
        return x > -Math.log(2) ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
    }

    /** Token-mean NLL of the batch's chosen completions, −Σ_i raw logp(y_c,i) / Σ_i |y_c,i|. */
    private static double chosenNll(PreferenceLogps b) {
        double sum = 0;
        for (double x : b.rawChosen()) {
            sum += x;
        }
        return -sum / chosenTokens(b);
    }

    private static long chosenTokens(PreferenceLogps b) {
        long tokens = 0;
        for (int len : b.chosenLengths()) {
            tokens += len;
        }
        if (tokens == 0) {
            throw new IllegalArgumentException("the NLL needs at least one chosen completion token");
        }
        return tokens;
    }

    /**
     * TRL's logged metrics (docs/spec-objectives.md §1d, §11d): implicit rewards β·lr of the sequence log-probs (plain
     * log-ratio whatever the loss), accuracies with strict &gt;, margins, mean summed logps; for simpo/orpo runs
     * ({@link Config#lengthNormalisedMetrics}) β·mean token log-prob and mean token log-probs as CPO/ORPO log them;
     * {@code nll_loss} with SFT, RPO or ORPO, ORPO's {@code log_odds_ratio} and {@code log_odds_chosen}; and, with a
     * reference, the likelihood-displacement share (not a TRL key, see {@link TrlMetricNames#CHOSEN_LOGPS_BELOW_REFERENCE}).
     */
    private static Map<String, Double> metrics(Config config, PreferenceLogps b, double loss, double nll,
                                               Map<String, Double> extra) {
        int n = b.size();
        boolean normalised = config.lengthNormalisedMetrics();
        boolean ref = !config.referenceFree() && b.refChosen() != null && b.refRejected() != null && config.needsReference();
        double rc = 0;
        double rr = 0;
        double acc = 0;
        double lpC = 0;
        double lpR = 0;
        double below = 0;
        for (int i = 0; i < n; i++) {
            double c = b.policyChosen()[i];
            double r = b.policyRejected()[i];
            if (normalised) {
                c /= Math.max(1, b.chosenLengths()[i]);
                r /= Math.max(1, b.rejectedLengths()[i]);
            }
            lpC += c;
            lpR += r;
            double rewardC = config.beta() * (c - (ref ? b.refChosen()[i] : 0.0));
            double rewardR = config.beta() * (r - (ref ? b.refRejected()[i] : 0.0));
            rc += rewardC;
            rr += rewardR;
            acc += rewardC > rewardR ? 1 : 0;
            if (ref) {
                below += b.policyChosen()[i] < b.refChosen()[i] ? 1 : 0;
            }
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(TrlMetricNames.LOSS, loss);
        m.put(TrlMetricNames.REWARDS_CHOSEN, rc / n);
        m.put(TrlMetricNames.REWARDS_REJECTED, rr / n);
        m.put(TrlMetricNames.REWARDS_ACCURACIES, acc / n);
        m.put(TrlMetricNames.REWARDS_MARGINS, (rc - rr) / n);
        m.put(TrlMetricNames.LOGPS_CHOSEN, lpC / n);
        m.put(TrlMetricNames.LOGPS_REJECTED, lpR / n);
        if (!Double.isNaN(nll)) {
            m.put(TrlMetricNames.NLL_LOSS, nll);
        }
        m.putAll(extra);
        if (ref) {
            m.put(TrlMetricNames.CHOSEN_LOGPS_BELOW_REFERENCE, below / n);
        }
        return Collections.unmodifiableMap(m);
    }

    /** Parses {@code --loss a,b,c} with {@code --loss-weights} (empty: every weight 1), TRL's {@code loss_type}/{@code loss_weights}. */
    public static List<Term> terms(List<String> names, List<Double> weights) {
        if (!weights.isEmpty() && weights.size() != names.size()) {
            throw new IllegalArgumentException(weights.size() + " loss weights for " + names.size() + " losses " + names
                    + ": give one weight per loss");
        }
        List<Term> out = new ArrayList<>();
        for (int k = 0; k < names.size(); k++) {
            out.add(new Term(Type.parse(names.get(k)), weights.isEmpty() ? 1.0 : weights.get(k)));
        }
        return out;
    }
}
