package org.alignspark.common.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.ToDoubleFunction;

/** Central finite differences, for checking the analytic gradients that objectives return. */
public final class FiniteDifference {
    private FiniteDifference() {
    }

    public static double[] gradient(ToDoubleFunction<double[]> f, double[] x) {
        double h = 1e-6;
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double[] plus = x.clone();
            double[] minus = x.clone();
            plus[i] += h;
            minus[i] -= h;
            g[i] = (f.applyAsDouble(plus) - f.applyAsDouble(minus)) / (2 * h);
        }
        return g;
    }

    /** Asserts that {@code analytic} matches the numerical gradient of {@code f} at {@code x}. */
    public static void assertGradient(ToDoubleFunction<double[]> f, double[] x, double[] analytic) {
        double[] numeric = gradient(f, x);
        assertEquals(numeric.length, analytic.length, "gradient length");
        for (int i = 0; i < x.length; i++) {
            assertEquals(numeric[i], analytic[i], 1e-6 * Math.max(1.0, Math.abs(numeric[i])),
                    "d/dx[" + i + "]");
        }
    }
}
