package org.alignspark.common.testing;

import java.util.Random;

/**
 * A separable toy problem for unpaired objectives (KTO, BCO): completions are feature vectors, desirable iff they
 * lie on the positive side of a hidden direction (with a 0.1 gap); the policy scores a completion w·x and the
 * reference is the same model frozen at {@code wRef}.
 */
public final class ToyBinaryFeedback {
    public final double[][] xs;       // [N, D]
    public final boolean[] desirable; // [N]
    public final double[] wRef;       // [D]
    public final double[] refLogps;   // [N]

    private ToyBinaryFeedback(double[][] xs, boolean[] desirable, double[] wRef) {
        this.xs = xs;
        this.desirable = desirable;
        this.wRef = wRef;
        this.refLogps = ToyPreferencePairs.scores(wRef, xs);
    }

    public static ToyBinaryFeedback generate(int n, int d, Random rnd) {
        double[] wStar = ToyPreferencePairs.gaussian(rnd, d);
        double[] wRef = ToyPreferencePairs.gaussian(rnd, d);
        double[][] xs = new double[n][];
        boolean[] good = new boolean[n];
        for (int i = 0; i < n; i++) {
            double[] x;
            do {
                x = ToyPreferencePairs.gaussian(rnd, d);
            } while (Math.abs(ToyPreferencePairs.dot(wStar, x)) < 0.1);
            xs[i] = x;
            good[i] = ToyPreferencePairs.dot(wStar, x) > 0;
        }
        return new ToyBinaryFeedback(xs, good, wRef);
    }

    /** Share of examples on the right side of the threshold: desirable iff scale·(w·x − ref) &gt; threshold. */
    public double separation(double[] w, double scale, double threshold) {
        int ok = 0;
        for (int i = 0; i < xs.length; i++) {
            double reward = scale * (ToyPreferencePairs.dot(w, xs[i]) - refLogps[i]);
            ok += desirable[i] == (reward > threshold) ? 1 : 0;
        }
        return (double) ok / xs.length;
    }
}
