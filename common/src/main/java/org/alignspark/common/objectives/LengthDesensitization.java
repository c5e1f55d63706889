package org.alignspark.common.objectives;

/**
 * LD-DPO's sequence log-prob (Liu et al. arXiv 2409.06411, §3, as TRL's {@code ld_alpha} computes it in
 * {@code dpo_trainer.py::_compute_loss}; docs/spec-objectives.md §11a): with l_p = min(|y_c|, |y_r|) the length the two
 * completions of a pair share, log π(y|x) = Σ_{t ≤ l_p} log π(y_t|·) + α Σ_{t &gt; l_p} log π(y_t|·), so the longer
 * response's excess tail counts α ∈ [0, 1] (1: plain DPO; 0: tail masked). Policy and reference are weighted alike.
 */
public final class LengthDesensitization {
    private LengthDesensitization() {
    }

    /** The weighted sum of a completion's token log-probs [|y|], shared prefix {@code shared} tokens. */
    public static double weightedSum(double[] tokenLogps, int shared, double alpha) {
        double sum = 0;
        for (int t = 0; t < tokenLogps.length; t++) {
            sum += tokenLogps[t] * weight(t, shared, alpha);
        }
        return sum;
    }

    /** ∂(weighted sum)/∂(token t's log-prob): 1 in the shared prefix, α in the tail. */
    public static double weight(int t, int shared, double alpha) {
        return t < shared ? 1.0 : alpha;
    }
}
