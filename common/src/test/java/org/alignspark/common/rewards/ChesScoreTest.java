package org.alignspark.common.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ChesScoreTest {
    // S+ = (1,0) + (1,2) = (2, 2); S− = (0,1) + (1,1) + (2,0) = (3, 2)
    private static final float[][] PLUS = {{1, 0}, {1, 2}};
    private static final float[][] MINUS = {{0, 1}, {1, 1}, {2, 0}};

    @Test
    void chesIsInnerProductMinusPreferredNorm() {
        // ⟨S+, S−⟩ = 6 + 4 = 10; ‖S+‖² = 8; CHES = 2
        assertEquals(2.0, ChesScore.ches(PLUS, MINUS), 1e-12);
    }

    @Test
    void lengthNormalizedChesUsesMeans() {
        // 10/(2·3) − 8/2² = 1.666667 − 2 = −0.333333
        assertEquals(-1.0 / 3, ChesScore.lengthNormalizedChes(PLUS, MINUS), 1e-12);
    }

    @Test
    void nearDuplicateResponsesScoreAboveDissimilarOnes() {
        float[][] nearDuplicate = {{1, 0.1f}, {1, 1.9f}};
        float[][] different = {{-1, 0}, {0, -2}};
        assertTrue(ChesScore.ches(PLUS, nearDuplicate) > ChesScore.ches(PLUS, different));
        assertTrue(ChesScore.lengthNormalizedChes(PLUS, nearDuplicate) > ChesScore.lengthNormalizedChes(PLUS, different));
        assertEquals(0.0, ChesScore.ches(PLUS, PLUS), 1e-12);
    }

    @Test
    void responseRowsStartAtTheLastPromptToken() {
        float[][] h = {{0}, {1}, {2}, {3}, {4}};
        // prompt of 2 tokens, response of 3: states at positions 1, 2, 3 predict response tokens 1..3
        float[][] rows = ChesScore.responseStateRows(h, 2, 3);
        assertEquals(3, rows.length);
        assertSame(h[1], rows[0]);
        assertSame(h[3], rows[2]);
        assertThrows(IllegalArgumentException.class, () -> ChesScore.responseStateRows(h, 2, 5));
    }
}
