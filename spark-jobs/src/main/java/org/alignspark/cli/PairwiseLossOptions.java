package org.alignspark.cli;

import java.util.ArrayList;
import java.util.List;

import org.alignspark.common.objectives.DpoLoss;
import picocli.CommandLine.Option;

/**
 * The options of train-dpo's pairwise losses (common's {@link DpoLoss}; TRL's DPOConfig, CPOConfig and ORPOConfig
 * names in brackets): which losses and their weights, and each loss's own setting.
 */
public final class PairwiseLossOptions {
    @Option(names = "--loss", split = ",", defaultValue = "sigmoid", paramLabel = "LOSS",
            description = "Loss, or several comma-separated ones summed with --loss-weights (MPO) [loss_type]: sigmoid (DPO), "
                    + "robust, hinge, ipo, exo_pair, nca_pair, bco_pair, sppo_hard, aot, aot_unpaired, apo_zero, apo_down, "
                    + "discopop, sft, sigmoid_norm, simpo (CPOTrainer), orpo (ORPOTrainer). simpo, orpo and sft read no reference: "
                    + "a run of only these (or with --reference-free) needs no ref-logprobs stage.")
    List<String> losses;

    @Option(names = "--loss-weights", split = ",", paramLabel = "W",
            description = "One weight per --loss, e.g. 0.8,0.2,1.0 for sigmoid,bco_pair,sft [loss_weights]; default 1 each.")
    List<Double> weights = new ArrayList<>();

    @Option(names = "--label-smoothing", defaultValue = "0.0",
            description = "ε of conservative DPO (sigmoid), robust DPO ([0, 0.5)), aot, aot_unpaired and simpo [label_smoothing].")
    double labelSmoothing;

    @Option(names = "--rpo-alpha", defaultValue = "0.0", description = "Weight of RPO's NLL term on chosen (0: none) [rpo_alpha, TRL ≤ 0.28].")
    double rpoAlpha;

    @Option(names = "--reference-free", description = "Take every reference log-prob as 0: no ref-logprobs stage needed "
            + "[reference_free, TRL ≤ 0.28].")
    boolean referenceFree;

    @Option(names = "--f-divergence", defaultValue = "reverse_kl",
            description = "f-DPO's divergence: reverse_kl, forward_kl, js_divergence or alpha_divergence [f_divergence_type].")
    String fDivergence;

    @Option(names = "--f-alpha-divergence-coef", defaultValue = "0.5", description = "α of alpha_divergence [f_alpha_divergence_coef].")
    double fAlphaCoef;

    @Option(names = "--ld-alpha", description = "LD-DPO's α in [0, 1]: weight of the longer completion's tokens past the shorter's "
            + "length (off when unset) [ld_alpha]; needs the reference's per-token log-probs (ref-logprobs --token-logps).")
    Double ldAlpha;

    @Option(names = "--use-weighting", description = "WPO: weight each pair by the policy's length-normalised probabilities of "
            + "both completions [use_weighting]; not with aot/aot_unpaired.")
    boolean useWeighting;

    @Option(names = "--simpo-gamma", defaultValue = "0.5", description = "SimPO's target reward margin γ [simpo_gamma].")
    double simpoGamma;

    @Option(names = "--discopop-tau", defaultValue = "0.05", description = "DiscoPOP's τ [discopop_tau].")
    double discopopTau;

    @Option(names = "--exo-epsilon", defaultValue = "1e-3",
            description = "EXO's label smoothing ε in (0, 1) (TRL takes it from label_smoothing; the EXO paper's 1e-3).")
    double exoEpsilon;

    @Option(names = "--bco-pair-delta", description = "bco_pair as TRL ≤ 0.24: shift both rewards by δ, the running mean of "
            + "each minibatch's mean implicit reward (TRL 1.x: δ = 0).")
    boolean bcoPairDelta;

    public boolean bcoPairDelta() {
        return bcoPairDelta;
    }

    /** The loss configuration, checked: a bad name or value fails before anything is read. */
    public DpoLoss.Config config(double beta) {
        DpoLoss.FDivergence f;
        try {
            f = DpoLoss.FDivergence.parse(fDivergence);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--f-divergence must be reverse_kl, forward_kl, js_divergence or alpha_divergence, got '"
                    + fDivergence + "'");
        }
        return new DpoLoss.Config(beta, DpoLoss.terms(losses, weights), labelSmoothing, referenceFree, rpoAlpha, f, fAlphaCoef,
                simpoGamma, discopopTau, exoEpsilon, ldAlpha == null ? Double.NaN : ldAlpha, useWeighting);
    }

    /** The reference columns the configured losses read: none, the summed log-probs, or (LD-DPO) the per-token ones. */
    public static List<String> referenceColumns(DpoLoss.Config config) {
        if (!config.needsReference()) {
            return List.of();
        }
        return config.lengthDesensitized() ? List.of("ref_token_logps_chosen", "ref_token_logps_rejected")
                : List.of("ref_logp_chosen", "ref_logp_rejected");
    }
}
