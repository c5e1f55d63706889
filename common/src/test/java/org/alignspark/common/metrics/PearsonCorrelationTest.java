package org.alignspark.common.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PearsonCorrelationTest {

    @Test
    void correlationMatchesHandComputation() {
        // x̄ = 2, ȳ = 13/3; dx = (−1, 0, 1), dy = (−7/3, −1/3, 8/3); Σdxdy = 5, Σdx² = 2, Σdy² = 114/9
        // r = 5 / √(2 · 114/9) = 5 / 5.033223 = 0.993399
        assertEquals(0.993399, PearsonCorrelation.of(new double[] {1, 2, 3}, new double[] {2, 4, 7}), 1e-6);
        assertEquals(-1.0, PearsonCorrelation.of(new double[] {1, 2, 3}, new double[] {3, 2, 1}), 1e-12);
    }

    @Test
    void constantSeriesHasNoCorrelation() {
        assertTrue(Double.isNaN(PearsonCorrelation.of(new double[] {1, 1, 1}, new double[] {1, 2, 3})));
    }
}
