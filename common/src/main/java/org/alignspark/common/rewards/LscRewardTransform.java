package org.alignspark.common.rewards;

import java.util.Arrays;
import org.alignspark.common.objectives.Sigmoid;

/**
 * The log-sigmoid-centred ("LSC") reward transform of "Transforming and Combining Rewards for Aligning Large
 * Language Models" (Wang et al. ICML 2024, arXiv 2402.00742; docs/spec-objectives.md §4):
 * u(x, y) = log σ(r(x, y) − r_ref(x)), and for K reward models combined as a logical AND,
 * u_total = Σ_k log σ(r_k(x, y) − r_ref,k(x)).
 * <p>
 * How the paper picks r_ref(x) was NOT found (docs/spec-objectives.md §4a [NOT FOUND]); the two {@link ReferenceRule}s are stated
 * readings: a quantile of the rewards R_x of base-policy samples for the same prompt.
 */
public final class LscRewardTransform {
    private LscRewardTransform() {
    }

    /** z-value of the standard normal's 85th percentile, as in the PAR repository's {@code NORMAL_85TH_PERCENTILE}. */
    public static final double NORMAL_85TH_PERCENTILE = 1.0364334;

    public sealed interface ReferenceRule extends java.io.Serializable permits GaussianQuantile, EmpiricalQuantile {
        /** r_ref(x) from the rewards of the base-policy samples for prompt x, [K_x]. */
        double referenceValue(double[] baseSampleRewards);
    }

    /**
     * Stated reading from the PAR repository ({@code PorUna-byte/PAR reward_shaper.py::_reference_85th_percentile},
     * unverified against the paper): mean(R_x) + z·std(R_x), population std; z = 1.0364334 gives the Gaussian-fit
     * 85th percentile (PAR uses K = 5 SFT samples).
     */
    public record GaussianQuantile(double z) implements ReferenceRule {
        public static GaussianQuantile percentile85() {
            return new GaussianQuantile(NORMAL_85TH_PERCENTILE);
        }

        @Override
        public double referenceValue(double[] r) {
            requireSamples(r);
            double mean = 0;
            for (double v : r) {
                mean += v;
            }
            mean /= r.length;
            double ss = 0;
            for (double v : r) {
                ss += (v - mean) * (v - mean);
            }
            return mean + z * Math.sqrt(ss / r.length);
        }
    }

    /**
     * Stated reading: the empirical q-quantile of R_x with linear interpolation between order statistics
     * (numpy's default "linear" method: position q·(K − 1)).
     */
    public record EmpiricalQuantile(double q) implements ReferenceRule {
        public EmpiricalQuantile {
            if (!(q >= 0 && q <= 1)) {
                throw new IllegalArgumentException("quantile must be in [0, 1]: " + q);
            }
        }

        @Override
        public double referenceValue(double[] r) {
            requireSamples(r);
            double[] sorted = r.clone();
            Arrays.sort(sorted);
            double pos = q * (sorted.length - 1);
            int lo = (int) Math.floor(pos);
            int hi = Math.min(sorted.length - 1, lo + 1);
            return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
        }
    }

    private static void requireSamples(double[] r) {
        if (r.length == 0) {
            throw new IllegalArgumentException("r_ref needs at least one base-policy sample reward");
        }
    }

    /** u = log σ(r − r_ref), in (−∞, 0]: the log-probability that the response is "good enough". */
    public static double transform(double reward, double referenceValue) {
        return Sigmoid.logSigmoid(reward - referenceValue);
    }

    /**
     * Σ_k log σ(r_k − r_ref,k): the combined utility of K reward models.
     *
     * @param rewards         r_k(x, y), [K]
     * @param referenceValues r_ref,k(x), [K]
     */
    public static double combine(double[] rewards, double[] referenceValues) {
        if (rewards.length != referenceValues.length || rewards.length == 0) {
            throw new IllegalArgumentException("need one reference value per reward model");
        }
        double u = 0;
        for (int k = 0; k < rewards.length; k++) {
            u += transform(rewards[k], referenceValues[k]);
        }
        return u;
    }
}
