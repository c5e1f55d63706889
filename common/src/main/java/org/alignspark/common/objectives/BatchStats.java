package org.alignspark.common.objectives;

/** Small reductions over per-example arrays, used for the logged metrics. */
final class BatchStats {
    private BatchStats() {
    }

    static double mean(double[] xs) {
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return s / xs.length;
    }

    static void requireSameLength(String what, int expected, double[] xs) {
        if (xs == null || xs.length != expected) {
            throw new IllegalArgumentException(what + " must have length " + expected
                    + " but has " + (xs == null ? "null" : String.valueOf(xs.length)));
        }
    }

    static void requireNonEmpty(int n) {
        if (n == 0) {
            throw new IllegalArgumentException("batch is empty");
        }
    }
}
