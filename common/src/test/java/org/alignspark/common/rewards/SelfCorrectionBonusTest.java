package org.alignspark.common.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SelfCorrectionBonusTest {

    @Test
    void flipsAreAmplifiedByAlpha() {
        double a = SelfCorrectionBonus.DEFAULT_ALPHA;
        assertEquals(11.0, SelfCorrectionBonus.shapedSecondAttemptReward(0, 1, a));  // i→c: 1 + 10·1
        assertEquals(-10.0, SelfCorrectionBonus.shapedSecondAttemptReward(1, 0, a)); // c→i: 0 + 10·(−1)
        assertEquals(1.0, SelfCorrectionBonus.shapedSecondAttemptReward(1, 1, a));   // c→c: no bonus
        assertEquals(0.0, SelfCorrectionBonus.shapedSecondAttemptReward(0, 0, a));   // i→i
    }
}
