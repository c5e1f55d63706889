package org.alignspark.common.objectives;

/**
 * Per-example sequence log-probabilities for unpaired binary-feedback data (KTO, BCO): each example is a
 * (prompt, completion, label) with label desirable or undesirable. Logps are sums over completion tokens.
 *
 * @param policy     log π_θ(y|x), [N]
 * @param reference  log π_ref(y|x), [N], precomputed and frozen
 * @param desirable  label per example, [N]
 */
public record UnpairedLogps(double[] policy, double[] reference, boolean[] desirable) {
    public UnpairedLogps {
        int n = policy.length;
        BatchStats.requireNonEmpty(n);
        BatchStats.requireSameLength("reference", n, reference);
        if (desirable == null || desirable.length != n) {
            throw new IllegalArgumentException("desirable must have one label per example");
        }
    }

    public int size() {
        return policy.length;
    }

    public double logRatio(int i) {
        return policy[i] - reference[i];
    }

    /** Implicit rewards β·(logp_θ − logp_ref), [N]. */
    public double[] implicitRewards(double beta) {
        double[] r = new double[policy.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = beta * logRatio(i);
        }
        return r;
    }

    public UnpairedLogps withPolicy(double[] newPolicy) {
        return new UnpairedLogps(newPolicy, reference, desirable);
    }
}
