package org.alignspark.common.objectives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AdaptiveStepScoreTest {

    @Test
    void stepsSimilarToTheTopResponseWeighMore() {
        // top response steps (1,0), (0,1): self-similarity 1 → weights 2, 2; s_0 = (2·0.5 + 2·1.5)/4 = 1.0
        // response 1 steps (1,0) → cos 1 → w 2; (1,0) vs (0,1) → cos 0 → w 1; its 3rd step is beyond K = 2
        // s_1 = (2·(−1) + 1·2)/3 = 0
        double[][] m = {{0.5, 1.5}, {-1, 2, 100}};
        float[][][] h = {{{1, 0}, {0, 1}}, {{1, 0}, {1, 0}, {0, 1}}};
        AdaptiveStepScore.Result r = AdaptiveStepScore.compute(m, h);
        assertEquals(1.0, r.scores()[0], 1e-12);
        assertEquals(0.0, r.scores()[1], 1e-12);
        assertArrayEquals(new double[] {2, 1}, r.stepWeights()[1], 1e-12);
        assertArrayEquals(new double[] {2.0 / 3, 1.0 / 3}, r.dScoreDStepMeans()[1], 1e-12);
    }

    @Test
    void oppositeStepsFallBackToEqualWeights() {
        // cos = −1 on the only step → weight 0 for response 1: its single step counts fully
        AdaptiveStepScore.Result r = AdaptiveStepScore.compute(new double[][] {{1}, {3}}, new float[][][] {{{1, 0}}, {{-1, 0}}});
        assertEquals(3.0, r.scores()[1], 1e-12);
    }
}
