package org.alignspark.common.lm.decoding;

/** Softmax and KL divergence over next-token logits [V], in double precision. */
public final class Distributions {
    private Distributions() {
    }

    /** log softmax(z) [V]. */
    public static double[] logSoftmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        double logZ = max + Math.log(sum);
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = z[i] - logZ;
        }
        return out;
    }

    /** softmax(z) [V]. */
    public static double[] softmax(double[] z) {
        double[] p = logSoftmax(z);
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(p[i]);
        }
        return p;
    }

    /** KL(softmax(p) ‖ softmax(q)) = Σ_v P(v) (log P(v) − log Q(v)), for logits p and q over the same vocabulary. */
    public static double kl(double[] p, double[] q) {
        checkSameVocabulary(p, q);
        double[] logP = logSoftmax(p);
        double[] logQ = logSoftmax(q);
        double kl = 0;
        for (int i = 0; i < p.length; i++) {
            double prob = Math.exp(logP[i]);
            if (prob > 0) {
                kl += prob * (logP[i] - logQ[i]);
            }
        }
        return Math.max(0.0, kl);   // rounding can leave −1e-17
    }

    static void checkSameVocabulary(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("logits over vocabularies of " + a.length + " and " + b.length
                    + " tokens: every model of a logit transform needs the policy's tokenizer");
        }
    }
}
