package org.alignspark.common.lm.decoding;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.GenerationConfig;
import org.alignspark.common.lm.LogitProcessor;
import org.alignspark.common.lm.LogitStream;

/**
 * Weak-to-strong logit fusion (Fan et al., "On Giant's Shoulders", NeurIPS 2024, arXiv 2406.15480;
 * docs/spec-objectives.md §8): the policy being sampled is the large base model M_L; T small experts M_S^t and their
 * small base M_S (same tokenizer) shift its logits at every decoding step k:
 * <pre>
 *   z_k = M_L(x, y_&lt;k) + Σ_t α_{t,k} · (M_S^t(x, y_&lt;k) − M_S(x, y_&lt;k))          (§8(a))
 * </pre>
 * {@link Mode#STATIC}: α_{t,k} = α for every t and k (proxy tuning with T experts).
 * {@link Mode#DYNAMIC}: the paper chooses α_{t,k} by a KL-constrained problem whose objective and solver are not
 * available (docs/spec-objectives.md §8(a), NOT FOUND). This is our reading, named {@code kl-matched}: the large model may move from
 * its own distribution at most as far, in KL, as the small expert moved from the small base, each expert on its own:
 * <pre>
 *   α_{t,k} = max { α ∈ [0, α_max] : KL(softmax(M_L + α·Δ_t) ‖ softmax(M_L)) ≤ s · KL(softmax(M_S^t) ‖ softmax(M_S)) }
 *   Δ_t = M_S^t − M_S,  α_max = the --alpha setting,  s = the KL scale
 * </pre>
 * The left side grows monotonically with α ≥ 0 (its derivative is α·Var_{p_α}(Δ_t) ≥ 0), so bisection finds the
 * maximum. With α = 0 (either mode) or s = 0 (dynamic) the policy's logits are returned unchanged.
 */
public final class LogitFusion implements LogitProcessor {
    /** How α_{t,k} is set. */
    public enum Mode { STATIC, DYNAMIC }

    /** The name of the dynamic rule above, recorded with a run's settings. */
    public static final String DYNAMIC_READING = "kl-matched";

    private static final int BISECTION_STEPS = 60;

    private final CausalLM smallBase;
    private final List<CausalLM> experts;
    private final Mode mode;
    private final double alpha;
    private final double klScale;

    /**
     * @param alpha   the fixed α (static) or its upper bound α_max (dynamic), ≥ 0
     * @param klScale s of the dynamic rule, ≥ 0; ignored by the static mode
     */
    public LogitFusion(CausalLM smallBase, List<CausalLM> experts, Mode mode, double alpha, double klScale) {
        if (experts.isEmpty()) {
            throw new IllegalArgumentException("logit fusion needs at least one small expert");
        }
        if (!(alpha >= 0) || Double.isInfinite(alpha) || !(klScale >= 0) || Double.isInfinite(klScale)) {
            throw new IllegalArgumentException("logit fusion needs finite α ≥ 0 and KL scale ≥ 0, got α=" + alpha
                    + " s=" + klScale);
        }
        this.smallBase = smallBase;
        this.experts = List.copyOf(experts);
        this.mode = mode;
        this.alpha = alpha;
        this.klScale = klScale;
    }

    /** §8(a): M_L + Σ_t α_t (M_S^t − M_S) [V]. */
    public static double[] fuse(double[] large, double[] smallBase, double[][] experts, double[] alphas) {
        double[] z = large.clone();
        for (int t = 0; t < experts.length; t++) {
            Distributions.checkSameVocabulary(large, experts[t]);
            Distributions.checkSameVocabulary(large, smallBase);
            for (int v = 0; v < z.length; v++) {
                z[v] += alphas[t] * (experts[t][v] - smallBase[v]);
            }
        }
        return z;
    }

    /**
     * The dynamic rule's α for one expert (class comment, our reading {@code kl-matched}): the largest
     * α ∈ [0, alphaMax] with KL(softmax(large + α·(expert − smallBase)) ‖ softmax(large)) ≤ klScale · KL(expert ‖ smallBase).
     */
    public static double klMatchedAlpha(double[] large, double[] smallBase, double[] expert, double alphaMax,
                                        double klScale) {
        double bound = klScale * Distributions.kl(expert, smallBase);
        if (bound <= 0) {
            return 0.0;   // no budget; also keeps bisection off KL values that only rounding makes 0
        }
        double[] delta = new double[large.length];
        for (int v = 0; v < delta.length; v++) {
            delta[v] = expert[v] - smallBase[v];
        }
        if (shiftKl(large, delta, alphaMax) <= bound) {
            return alphaMax;
        }
        double lo = 0;
        double hi = alphaMax;
        for (int i = 0; i < BISECTION_STEPS; i++) {
            double mid = 0.5 * (lo + hi);
            if (shiftKl(large, delta, mid) <= bound) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** KL(softmax(large + α·Δ) ‖ softmax(large)). */
    private static double shiftKl(double[] large, double[] delta, double alpha) {
        double[] shifted = large.clone();
        for (int v = 0; v < shifted.length; v++) {
            shifted[v] += alpha * delta[v];
        }
        return Distributions.kl(shifted, large);
    }

    /** The α of each expert at one step [T]. */
    public double[] alphas(double[] large, double[] smallBaseLogits, double[][] expertLogits) {
        double[] alphas = new double[expertLogits.length];
        for (int t = 0; t < alphas.length; t++) {
            alphas[t] = mode == Mode.STATIC ? alpha
                    : klMatchedAlpha(large, smallBaseLogits, expertLogits[t], alpha, klScale);
        }
        return alphas;
    }

    /** The settings, for a run's record: {@code fusion[static](alpha=…,experts=T)} or {@code fusion[dynamic:kl-matched](…)}. */
    public String describe() {
        return describe(mode, alpha, klScale, experts.size());
    }

    public static String describe(Mode mode, double alpha, double klScale, int experts) {
        return mode == Mode.STATIC
                ? String.format(Locale.ROOT, "fusion[static](alpha=%s,experts=%d)", alpha, experts)
                : String.format(Locale.ROOT, "fusion[dynamic:%s](alpha_max=%s,kl_scale=%s,experts=%d)", DYNAMIC_READING,
                        alpha, klScale, experts);
    }

    @Override
    public double[] process(int sequence, int[] context, double[] logits) {
        throw new IllegalStateException("LogitFusion needs open() per generate call; Generator does this");
    }

    @Override
    public LogitProcessor open(List<int[]> prompts, GenerationConfig config) {
        LogitStream base = new LogitStream(smallBase, prompts, config.maxNewTokens(), config.padId());
        List<LogitStream> expertStreams = new ArrayList<>();
        for (CausalLM expert : experts) {
            expertStreams.add(new LogitStream(expert, prompts, config.maxNewTokens(), config.padId()));
        }
        return new LogitProcessor() {
            @Override
            public double[] process(int sequence, int[] context, double[] logits) {
                double[][] expertLogits = new double[expertStreams.size()][];
                for (int t = 0; t < expertLogits.length; t++) {
                    expertLogits[t] = expertStreams.get(t).logits(sequence);
                }
                double[] smallBaseLogits = base.logits(sequence);
                return fuse(logits, smallBaseLogits, expertLogits, alphas(logits, smallBaseLogits, expertLogits));
            }

            @Override
            public void advance(int[] next, int[] mask) {
                base.advance(next, mask);
                for (LogitStream stream : expertStreams) {
                    stream.advance(next, mask);
                }
            }
        };
    }
}
