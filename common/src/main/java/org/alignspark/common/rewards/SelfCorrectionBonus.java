package org.alignspark.common.rewards;

/**
 * SCoRe's Stage-II reward shaping (Kumar et al. arXiv 2409.12917 §4, docs/spec-data-side.md §4a): the second attempt's
 * reward becomes r̂(y₂) + α·(r̂(y₂) − r̂(y₁)), so a correct→incorrect flip is penalised and an incorrect→correct
 * flip amplified; the first attempt keeps r̂(y₁). Paper default α = 10 (Table 5).
 */
public final class SelfCorrectionBonus {
    private SelfCorrectionBonus() {
    }

    public static final double DEFAULT_ALPHA = 10.0;

    public static double shapedSecondAttemptReward(double firstReward, double secondReward, double alpha) {
        return secondReward + alpha * (secondReward - firstReward);
    }
}
