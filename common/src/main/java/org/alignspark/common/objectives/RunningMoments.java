package org.alignspark.common.objectives;

/**
 * Count-weighted running mean and variance of every implicit reward seen in training: BCO's reward shift δ is
 * its mean (TRL {@code trl/experimental/bco/bco_trainer.py::RunningMoments}, docs/spec-objectives.md §3a). Mutable: one
 * instance lives for the whole run and is saved with checkpoints (TRL writes {@code running.json}).
 * In a distributed step, {@link #update} takes the batch gathered across workers, as TRL gathers across ranks.
 */
public final class RunningMoments implements java.io.Serializable {
    private double mean;
    private double var;
    private double std;
    private double count;

    /** TRL's initial state: mean 0, var 1, std 1, count 1e-24. */
    public RunningMoments() {
        this(0.0, 1.0, 1.0, 1e-24);
    }

    /** Restores a saved state. */
    public RunningMoments(double mean, double var, double std, double count) {
        this.mean = mean;
        this.var = var;
        this.std = std;
        this.count = count;
    }

    /**
     * Folds a batch in: with batch mean m_b, population variance v_b and size n_b,
     * Δ = m_b − mean, N = count + n_b, mean += Δ·n_b/N,
     * var = (var·count + Δ²·count·n_b/N + v_b·n_b)/N, std = √(var·N/(N − 1)), count = N.
     */
    public void update(double[] xs) {
        BatchStats.requireNonEmpty(xs.length);
        double mb = BatchStats.mean(xs);
        double ss = 0;
        for (double x : xs) {
            ss += (x - mb) * (x - mb);
        }
        update(xs.length, mb, ss / xs.length);
    }

    /**
     * The same update from a batch's summary: its size n_b, mean m_b and population variance v_b. Folding the
     * summaries of several batches in any order gives the mean of all their values, so workers' batches of one round
     * can be folded on the driver (BcoObjective).
     */
    public void update(double nb, double mb, double vb) {
        if (!(nb > 0)) {
            throw new IllegalArgumentException("batch size must be > 0, got " + nb);
        }
        double delta = mb - mean;
        double total = count + nb;
        double totalSum = var * count + delta * delta * count * nb / total + vb * nb;
        mean += delta * nb / total;
        var = totalSum / total;
        std = Math.sqrt(var * total / (total - 1));
        count = total;
    }

    public double mean() {
        return mean;
    }

    public double var() {
        return var;
    }

    public double std() {
        return std;
    }

    public double count() {
        return count;
    }
}
