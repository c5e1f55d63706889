package org.alignspark.common.objectives;

/**
 * TPO's adaptive step reward (Liao et al. arXiv 2410.12854; docs/spec-objectives.md §5a). The paper's equations were
 * NOT found; this is the weighting read in the official code ({@code MrBlankness/TPO/loss.py}), the spec's
 * stated reading: for response n of a list whose row 0 is the best-labelled (top) response, and reasoning steps
 * k = 1..K (K = the fewest steps of any response in the list),
 * w_{n,k} = 1 + cos(h̄_{n,k}, h̄_{0,k}) with h̄ the mean last-layer hidden state over step k's tokens, and
 * s_n = Σ_k w_{n,k}·m_{n,k} / Σ_k w_{n,k}, where m_{n,k} is the mean per-token log-ratio over step k.
 * The weights are treated as constants (computed from detached hidden states); the gradient is w.r.t. m only.
 * If every weight of a response is 0 (each step exactly opposite to the top response's), its steps count equally.
 */
public final class AdaptiveStepScore {
    private AdaptiveStepScore() {
    }

    /**
     * @param scores            s_n, [N]
     * @param dScoreDStepMeans  ∂s_n/∂m_{n,k} = w_{n,k}/Σ_k w_{n,k}, [N][K]
     * @param stepWeights       w_{n,k}, [N][K]
     */
    public record Result(double[] scores, double[][] dScoreDStepMeans, double[][] stepWeights) {
    }

    /**
     * @param stepMeanLogRatios m_{n,k}, [N][steps_n]
     * @param stepEmbeddings    h̄_{n,k}, [N][steps_n][D]
     */
    public static Result compute(double[][] stepMeanLogRatios, float[][][] stepEmbeddings) {
        int n = stepMeanLogRatios.length;
        BatchStats.requireNonEmpty(n);
        if (stepEmbeddings.length != n) {
            throw new IllegalArgumentException("need step embeddings for every response");
        }
        int k = Integer.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            if (stepEmbeddings[i].length != stepMeanLogRatios[i].length) {
                throw new IllegalArgumentException("response " + i + ": steps of log-ratios and embeddings differ");
            }
            k = Math.min(k, stepMeanLogRatios[i].length);
        }
        if (k == 0) {
            throw new IllegalArgumentException("every response needs at least one step");
        }
        double[] scores = new double[n];
        double[][] jac = new double[n][k];
        double[][] weights = new double[n][k];
        for (int i = 0; i < n; i++) {
            double total = 0;
            for (int s = 0; s < k; s++) {
                weights[i][s] = 1.0 + cosine(stepEmbeddings[i][s], stepEmbeddings[0][s]);
                total += weights[i][s];
            }
            for (int s = 0; s < k; s++) {
                jac[i][s] = total == 0 ? 1.0 / k : weights[i][s] / total;
                scores[i] += jac[i][s] * stepMeanLogRatios[i][s];
            }
        }
        return new Result(scores, jac, weights);
    }

    /** cos(a, b); 0 when either vector is zero. Accumulated in double. */
    static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("embedding widths differ: " + a.length + " vs " + b.length);
        }
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int j = 0; j < a.length; j++) {
            ab += (double) a[j] * b[j];
            aa += (double) a[j] * a[j];
            bb += (double) b[j] * b[j];
        }
        return aa == 0 || bb == 0 ? 0.0 : ab / Math.sqrt(aa * bb);
    }
}
