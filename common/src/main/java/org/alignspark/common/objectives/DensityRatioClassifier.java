package org.alignspark.common.objectives;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * BCO's underlying-distribution-matching classifier (docs/spec-objectives.md §3a; TRL {@code bco_trainer.py} fits
 * sklearn {@code LogisticRegression(class_weight="balanced")} once, on embeddings of sampled desirable (label 1)
 * and undesirable (label 0) prompts). p(x) = P(desirable | embed(prompt)); the weight of an undesirable example is
 * the clipped density ratio {@code clamp(p/(1 − p + 1e−8), min, max)}.
 * <p>
 * The fit minimises sklearn's objective for that estimator: ½‖w‖² + C·Σ_i s_i·logloss_i with C = 1, class weights
 * s_i = n / (2·n_class(i)) and an unpenalised intercept, by L-BFGS (sklearn's default solver).
 */
public final class DensityRatioClassifier implements java.io.Serializable {
    private final double[] weights; // [D]
    private final double intercept;

    private DensityRatioClassifier(double[] weights, double intercept) {
        this.weights = weights;
        this.intercept = intercept;
    }

    public static DensityRatioClassifier of(double[] weights, double intercept) {
        return new DensityRatioClassifier(weights.clone(), intercept);
    }

    /**
     * @param desirable   prompt embeddings labelled 1, [n1][D]
     * @param undesirable prompt embeddings labelled 0, [n0][D]
     */
    public static DensityRatioClassifier fit(double[][] desirable, double[][] undesirable) {
        if (desirable.length == 0 || undesirable.length == 0) {
            throw new IllegalArgumentException("need prompts of both labels");
        }
        int dim = desirable[0].length;
        int n = desirable.length + undesirable.length;
        double[][] xs = new double[n][];
        double[] ys = new double[n];
        double[] sampleWeights = new double[n];
        for (int i = 0; i < n; i++) {
            boolean good = i < desirable.length;
            xs[i] = good ? desirable[i] : undesirable[i - desirable.length];
            BatchStats.requireSameLength("embedding " + i, dim, xs[i]);
            ys[i] = good ? 1 : 0;
            sampleWeights[i] = n / (2.0 * (good ? desirable.length : undesirable.length));
        }
        double[] theta = minimise(new Objective(xs, ys, sampleWeights, 1.0), new double[dim + 1]);
        double[] w = new double[dim];
        System.arraycopy(theta, 0, w, 0, dim);
        return new DensityRatioClassifier(w, theta[dim]);
    }

    /** p(x) = σ(w·x + b), [D] → probability that the prompt comes from the desirable set. */
    public double probabilityDesirable(double[] embedding) {
        BatchStats.requireSameLength("embedding", weights.length, embedding);
        double z = intercept;
        for (int j = 0; j < weights.length; j++) {
            z += weights[j] * embedding[j];
        }
        return Sigmoid.sigmoid(z);
    }

    /** The weight BCO puts on an undesirable example whose prompt has this embedding. */
    public double undesirableWeight(double[] embedding, BcoLoss.Config config) {
        return clippedDensityRatio(probabilityDesirable(embedding), config.minDensityRatio(), config.maxDensityRatio());
    }

    /** clamp(p / (1 − p + 1e−8), min, max), TRL's {@code _get_udm_weight}. */
    public static double clippedDensityRatio(double p, double min, double max) {
        return Math.min(max, Math.max(min, p / (1 - p + 1e-8)));
    }

    public double[] weights() {
        return weights.clone();
    }

    public double intercept() {
        return intercept;
    }

    /** ½‖w‖² + C Σ s_i ℓ_i over θ = (w, b), with ∂ℓ/∂z = σ(z) − y. */
    static final class Objective {
        final double[][] xs;
        final double[] ys;
        final double[] sampleWeights;
        final double c;

        Objective(double[][] xs, double[] ys, double[] sampleWeights, double c) {
            this.xs = xs;
            this.ys = ys;
            this.sampleWeights = sampleWeights;
            this.c = c;
        }

        /** Returns the value and writes the gradient into {@code grad}. */
        double evaluate(double[] theta, double[] grad) {
            int dim = theta.length - 1;
            double value = 0;
            for (int j = 0; j < dim; j++) {
                value += 0.5 * theta[j] * theta[j];
                grad[j] = theta[j];
            }
            grad[dim] = 0;
            for (int i = 0; i < xs.length; i++) {
                double z = theta[dim];
                for (int j = 0; j < dim; j++) {
                    z += theta[j] * xs[i][j];
                }
                double s = c * sampleWeights[i];
                value += s * (ys[i] > 0.5 ? Sigmoid.softplus(-z) : Sigmoid.softplus(z));
                double dz = s * (Sigmoid.sigmoid(z) - ys[i]);
                for (int j = 0; j < dim; j++) {
                    grad[j] += dz * xs[i][j];
                }
                grad[dim] += dz;
            }
            return value;
        }
    }

    /**
     * L-BFGS (memory 10) with Armijo backtracking; stops when the largest gradient entry is below
     * 1e-8·max(1, |f|), or when the line search can no longer decrease f (converged to machine precision).
     */
    static double[] minimise(Objective f, double[] start) {
        int m = 10;
        int dim = start.length;
        double[] x = start.clone();
        double[] g = new double[dim];
        double fx = f.evaluate(x, g);
        Deque<double[][]> history = new ArrayDeque<>(); // each entry {s, y, {rho}}
        for (int iter = 0; iter < 1000 && maxAbs(g) > 1e-8 * Math.max(1.0, Math.abs(fx)); iter++) {
            double[] dir = twoLoop(g, history);
            double slope = dot(dir, g);
            if (slope >= 0) { // not a descent direction: restart from steepest descent
                history.clear();
                dir = negate(g);
                slope = dot(dir, g);
            }
            double step = 1.0;
            double[] xNew = new double[dim];
            double[] gNew = new double[dim];
            double fNew;
            while (true) {
                for (int j = 0; j < dim; j++) {
                    xNew[j] = x[j] + step * dir[j];
                }
                fNew = f.evaluate(xNew, gNew);
                if (fNew <= fx + 1e-4 * step * slope) {
                    break;
                }
                step *= 0.5;
                if (step < 1e-20) {
                    return x;
                }
            }
            double[] s = new double[dim];
            double[] y = new double[dim];
            for (int j = 0; j < dim; j++) {
                s[j] = xNew[j] - x[j];
                y[j] = gNew[j] - g[j];
            }
            double sy = dot(s, y);
            if (sy > 1e-12) {
                if (history.size() == m) {
                    history.removeFirst();
                }
                history.addLast(new double[][] {s, y, {1.0 / sy}});
            }
            x = xNew;
            g = gNew;
            fx = fNew;
        }
        return x;
    }

    private static double[] twoLoop(double[] g, Deque<double[][]> history) {
        double[] q = negate(g);
        double[] alphas = new double[history.size()];
        int k = history.size() - 1;
        for (var it = history.descendingIterator(); it.hasNext(); k--) {
            double[][] e = it.next();
            alphas[k] = e[2][0] * dot(e[0], q);
            axpy(-alphas[k], e[1], q);
        }
        if (!history.isEmpty()) {
            double[][] last = history.peekLast();
            double gamma = dot(last[0], last[1]) / dot(last[1], last[1]);
            for (int j = 0; j < q.length; j++) {
                q[j] *= gamma;
            }
        }
        k = 0;
        for (double[][] e : history) {
            double beta = e[2][0] * dot(e[1], q);
            axpy(alphas[k] - beta, e[0], q);
            k++;
        }
        return q;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int j = 0; j < y.length; j++) {
            y[j] += a * x[j];
        }
    }

    private static double[] negate(double[] g) {
        double[] out = new double[g.length];
        for (int j = 0; j < g.length; j++) {
            out[j] = -g[j];
        }
        return out;
    }

    private static double maxAbs(double[] g) {
        double mx = 0;
        for (double v : g) {
            mx = Math.max(mx, Math.abs(v));
        }
        return mx;
    }
}
