package org.alignspark.common.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.alignspark.common.rewards.FollowUpLikelihoodReward.Aggregation;
import org.alignspark.common.rewards.FollowUpLikelihoodReward.ScoredFollowUp;
import org.junit.jupiter.api.Test;

class FollowUpLikelihoodRewardTest {
    // category a: F+ l = (−1 − 3)/2 = −2 and −1; F− l = −4
    // category b: F+ l = (−0.5 − 1.5)/2 = −1;  F− l = (−2 − 2 − 5)/3 = −3
    private static final List<ScoredFollowUp> FOLLOW_UPS = List.of(
            new ScoredFollowUp("a", true, new double[] {-1, -3}),
            new ScoredFollowUp("a", true, new double[] {-1}),
            new ScoredFollowUp("a", false, new double[] {-4}),
            new ScoredFollowUp("b", true, new double[] {-0.5, -1.5}),
            new ScoredFollowUp("b", false, new double[] {-2, -2, -5}));

    @Test
    void pooledFlrIsMeanPositiveMinusMeanNegativeTokenMeanLogProb() {
        // F+ mean (−2 − 1 − 1)/3 = −1.333333; F− mean (−4 − 3)/2 = −3.5; FLR = 2.166667
        FollowUpLikelihoodReward.Result r = FollowUpLikelihoodReward.score(FOLLOW_UPS, Aggregation.POOLED);
        assertEquals(-4.0 / 3, r.positiveMean(), 1e-12);
        assertEquals(-3.5, r.negativeMean(), 1e-12);
        assertEquals(13.0 / 6, r.flr(), 1e-12);
    }

    @Test
    void perCategoryScoresAndTheirMean() {
        // a: −1.5 − (−4) = 2.5; b: −1 − (−3) = 2.0; category mean 2.25
        FollowUpLikelihoodReward.Result r = FollowUpLikelihoodReward.score(FOLLOW_UPS, Aggregation.CATEGORY_MEAN);
        assertEquals(2.5, r.perCategory().get("a"), 1e-12);
        assertEquals(2.0, r.perCategory().get("b"), 1e-12);
        assertEquals(2.25, r.flr(), 1e-12);
    }

    @Test
    void needsBothPolarities() {
        assertThrows(IllegalArgumentException.class, () -> FollowUpLikelihoodReward.score(
                List.of(new ScoredFollowUp("a", true, new double[] {-1})), Aggregation.POOLED));
    }

    @Test
    void releasedScoreAveragesOnePositionsLogitsOverTheIdBag() {
        // logits (0.5, 1, 2, 4), ids (0, 2, 2) → (0.5 + 2 + 2)/3 = 1.5
        assertEquals(1.5, FollowUpLikelihoodReward.asReleasedScore(new float[] {0.5f, 1, 2, 4}, new int[] {0, 2, 2}), 1e-12);
    }
}
