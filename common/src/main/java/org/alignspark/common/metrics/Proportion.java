package org.alignspark.common.metrics;

/**
 * A count of successes out of trials, with its Wilson score interval
 * (Wilson 1927; the interval recommended by Brown, Cai &amp; DasGupta 2001 for small n and p near 0 or 1).
 */
public record Proportion(long successes, long trials) {
    /** Two-sided 95% normal quantile. */
    public static final double Z_95 = 1.959963984540054;

    public Proportion {
        if (trials < 0 || successes < 0 || successes > trials) {
            throw new IllegalArgumentException("need 0 <= successes <= trials, got " + successes + "/" + trials);
        }
    }

    /** successes / trials; NaN when there are no trials. */
    public double value() {
        return trials == 0 ? Double.NaN : (double) successes / trials;
    }

    /** The 95% Wilson score interval. */
    public Interval wilson95() {
        return wilson(Z_95);
    }

    /**
     * Wilson score interval: center (p + z²/2n)/(1 + z²/n), half-width z/(1 + z²/n)·√(p(1−p)/n + z²/4n²).
     * With no trials the interval is [0, 1]: nothing is known.
     */
    public Interval wilson(double z) {
        if (trials == 0) {
            return new Interval(0.0, 1.0);
        }
        double n = trials;
        double p = value();
        double z2 = z * z;
        double denom = 1 + z2 / n;
        double center = (p + z2 / (2 * n)) / denom;
        double half = z / denom * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return new Interval(Math.max(0.0, center - half), Math.min(1.0, center + half));
    }

    public record Interval(double lower, double upper) {
    }
}
