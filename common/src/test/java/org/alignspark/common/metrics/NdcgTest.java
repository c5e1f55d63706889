package org.alignspark.common.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NdcgTest {
    private static final double[] LABELS = {3, 1, 2}; // gains 7, 1, 3

    @Test
    void perfectOrderScoresOne() {
        assertEquals(1.0, Ndcg.of(new double[] {2, 0, 1}, LABELS), 1e-12);
    }

    @Test
    void misorderedListMatchesHandComputation() {
        // scores (0, 2, 1) rank items 1, 2, 0: DCG = 1/1 + 3/log₂3 + 7/2 = 1 + 1.892789 + 3.5 = 6.392789
        // ideal 7/1 + 3/log₂3 + 1/2 = 9.392789 → 0.680606
        assertEquals(0.680606, Ndcg.of(new double[] {0, 2, 1}, LABELS), 1e-6);
    }

    @Test
    void allZeroLabelsHaveNoIdealGain() {
        assertTrue(Double.isNaN(Ndcg.of(new double[] {1, 2}, new double[] {0, 0})));
    }
}
