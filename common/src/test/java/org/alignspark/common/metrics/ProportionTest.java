package org.alignspark.common.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProportionTest {

    @Test
    void wilsonIntervalMatchesHandComputation() {
        // 8/10, z = 1.96: z²/n = 0.38416, denom 1.38416, center (0.8 + 0.19208)/1.38416 = 0.716738,
        // half 1.96/1.38416 · √(0.016 + 0.009604) = 1.416021 · 0.160012 = 0.226581 → [0.490157, 0.943319]
        Proportion.Interval ci = new Proportion(8, 10).wilson(1.96);
        assertEquals(0.490157, ci.lower(), 1e-5);
        assertEquals(0.943319, ci.upper(), 1e-5);
    }

    @Test
    void wilsonIntervalStaysInsideUnitRangeAtTheEdges() {
        // 0/5: center = (0 + z²/10)/(1 + z²/5), half = the same → lower bound exactly 0, upper 3.8415/8.8415 = 0.434482
        Proportion.Interval ci = new Proportion(0, 5).wilson95();
        assertEquals(0.0, ci.lower(), 1e-12);
        assertEquals(0.434482, ci.upper(), 1e-5);
        assertTrue(new Proportion(5, 5).wilson95().upper() <= 1.0);
    }

    @Test
    void emptyProportionHasNoValueAndTheWholeInterval() {
        assertTrue(Double.isNaN(new Proportion(0, 0).value()));
        assertEquals(new Proportion.Interval(0, 1), new Proportion(0, 0).wilson95());
    }

    @Test
    void rejectsMoreSuccessesThanTrials() {
        assertThrows(IllegalArgumentException.class, () -> new Proportion(3, 2));
    }
}
