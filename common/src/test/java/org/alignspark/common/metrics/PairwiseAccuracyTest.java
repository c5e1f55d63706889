package org.alignspark.common.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PairwiseAccuracyTest {

    @Test
    void tiesAndNaNCountAsWrong() {
        // pairs: 2>1 right, 1=1 tie (wrong), 0<3 wrong, NaN vs 0 wrong, 5>−5 right → 2/5
        Proportion acc = PairwiseAccuracy.of(new double[] {2, 1, 0, Double.NaN, 5}, new double[] {1, 1, 3, 0, -5});
        assertEquals(2, acc.successes());
        assertEquals(5, acc.trials());
        assertEquals(0.4, acc.value(), 1e-12);
    }
}
