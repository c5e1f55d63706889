package org.alignspark.common.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LscRewardTransformTest {

    @Test
    void transformIsLogSigmoidOfCentredReward() {
        // log σ(1 − 0.5) = −log(1 + e^{−0.5}) = −0.474077 (spec worked number)
        assertEquals(-0.474077, LscRewardTransform.transform(1.0, 0.5), 1e-6);
        // far above the reference the utility saturates at 0; far below it is linear: log σ(−50) ≈ −50
        assertEquals(0.0, LscRewardTransform.transform(60, 10), 1e-12);
        assertEquals(-50.0, LscRewardTransform.transform(-40, 10), 1e-12);
    }

    @Test
    void combinedUtilityIsSumOverRewardModels() {
        // log σ(0.5) + log σ(−1) = −0.474077 − 1.313262 = −1.787339
        assertEquals(-1.787339, LscRewardTransform.combine(new double[] {1, -1}, new double[] {0.5, 0}), 1e-6);
    }

    @Test
    void gaussianEightyFifthPercentileUsesPopulationStd() {
        // R = 1..5: mean 3, population std √2 = 1.414214; 3 + 1.0364334 · 1.414214 = 4.465738
        assertEquals(4.465738, LscRewardTransform.GaussianQuantile.percentile85()
                .referenceValue(new double[] {1, 2, 3, 4, 5}), 1e-6);
    }

    @Test
    void empiricalQuantileInterpolatesBetweenOrderStatistics() {
        // sorted (1..5), q = 0.85: position 0.85 · 4 = 3.4 → 4 + 0.4 · (5 − 4) = 4.4
        assertEquals(4.4, new LscRewardTransform.EmpiricalQuantile(0.85).referenceValue(new double[] {5, 1, 4, 2, 3}), 1e-12);
        assertEquals(1.0, new LscRewardTransform.EmpiricalQuantile(0).referenceValue(new double[] {5, 1, 4}), 1e-12);
        assertEquals(5.0, new LscRewardTransform.EmpiricalQuantile(1).referenceValue(new double[] {5, 1, 4}), 1e-12);
    }

    @Test
    void referenceNeedsSamples() {
        assertThrows(IllegalArgumentException.class,
                () -> new LscRewardTransform.EmpiricalQuantile(0.5).referenceValue(new double[0]));
    }
}
