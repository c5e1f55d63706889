package org.alignspark.common.testing;

import java.util.Random;

/**
 * A separable toy preference problem: responses are feature vectors, a hidden direction {@code wStar}
 * decides which of two responses is preferred, and a learner scores responses by a linear function w·x.
 */
public final class ToyPreferencePairs {
    public final double[][] chosen;   // [N, D]
    public final double[][] rejected; // [N, D]
    public final double[] wStar;      // [D]

    private ToyPreferencePairs(double[][] chosen, double[][] rejected, double[] wStar) {
        this.chosen = chosen;
        this.rejected = rejected;
        this.wStar = wStar;
    }

    /** N pairs in D dimensions; pairs whose true score gap is below 0.1 are resampled so the set is separable. */
    public static ToyPreferencePairs generate(int n, int d, long seed) {
        Random rnd = new Random(seed);
        double[] wStar = new double[d];
        for (int j = 0; j < d; j++) {
            wStar[j] = rnd.nextGaussian();
        }
        double[][] c = new double[n][];
        double[][] r = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] a;
            double[] b;
            do {
                a = gaussian(rnd, d);
                b = gaussian(rnd, d);
            } while (Math.abs(dot(wStar, a) - dot(wStar, b)) < 0.1);
            boolean aWins = dot(wStar, a) > dot(wStar, b);
            c[i] = aWins ? a : b;
            r[i] = aWins ? b : a;
        }
        return new ToyPreferencePairs(c, r, wStar);
    }

    public static double[] gaussian(Random rnd, int d) {
        double[] x = new double[d];
        for (int j = 0; j < d; j++) {
            x[j] = rnd.nextGaussian();
        }
        return x;
    }

    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }

    public static double[] scores(double[] w, double[][] xs) {
        double[] s = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            s[i] = dot(w, xs[i]);
        }
        return s;
    }

    /** w −= lr · Σ_i (g_i · x_i): the chain rule through a linear scorer. */
    public static void step(double[] w, double lr, double[] grad, double[][] xs) {
        for (int i = 0; i < xs.length; i++) {
            for (int j = 0; j < w.length; j++) {
                w[j] -= lr * grad[i] * xs[i][j];
            }
        }
    }

    /** Fraction of pairs the scorer w orders strictly correctly. */
    public double accuracy(double[] w) {
        int ok = 0;
        for (int i = 0; i < chosen.length; i++) {
            ok += dot(w, chosen[i]) > dot(w, rejected[i]) ? 1 : 0;
        }
        return (double) ok / chosen.length;
    }
}
