package org.alignspark.common.selfcorrect;

import org.alignspark.common.rewards.SelfCorrectionBonus;

/**
 * SCoRe's per-turn returns and their REINFORCE advantages (Kumar et al. arXiv 2409.12917 §4, docs/spec-data-side.md §4a–b).
 * Discount γ = 0 (the paper's choice): each turn's tokens are credited with that turn's reward only. The KL terms of
 * Eq. 2–4 enter each turn's return as β·KL̂, with KL̂ = Σ_t (log π(y_t) − log π_ref(y_t)) over the turn's sampled
 * tokens, as in the REINFORCE of Ahmadian et al. 2024 that the paper builds on.
 * <ul>
 *   <li>Stage I (Eq. 3): turn 1 gets −(β₂ + β₁)·KL̂₁ (no reward: the strong β₂ KL pins it to the base model, on top
 *       of the "default" β₁ KL of Eq. 2 that Eq. 3 leaves implicit and the paper keeps on every turn), turn 2 gets
 *       r̂(y₂) − β₁·KL̂₂.</li>
 *   <li>Stage II (Eq. 4 with reward shaping): turn 1 gets r̂(y₁) − β₁·KL̂₁, turn 2 gets
 *       r̂(y₂) + α·(r̂(y₂) − r̂(y₁)) − β₁·KL̂₂.</li>
 * </ul>
 * Our reading, where the paper is silent: in Stage I the policy gradient of r̂(y₂) reaches the turn-2 tokens only
 * (with γ = 0 turn 1 has no reward to follow), and the per-prompt baseline is the leave-one-out mean of the other
 * samples' returns of the same prompt and turn (RLOO, Ahmadian et al. 2024).
 */
public final class ScoreRewards {
    private ScoreRewards() {
    }

    public enum Stage { I, II }

    /** Paper defaults (Table 5, MATH): α = 10, β₁ = 0.01, β₂ = 0.1. */
    public record Coefficients(double alpha, double beta1, double beta2) implements java.io.Serializable {
        public static final Coefficients PAPER = new Coefficients(SelfCorrectionBonus.DEFAULT_ALPHA, 0.01, 0.1);

        public Coefficients {
            if (!(alpha >= 0 && beta1 >= 0 && beta2 >= 0)) {
                throw new IllegalArgumentException("need α, β1, β2 ≥ 0");
            }
        }
    }

    /** The return credited to turn 1's tokens. */
    public static double firstTurnReturn(Stage stage, Coefficients c, double r1, double kl1) {
        return stage == Stage.I ? -(c.beta2() + c.beta1()) * kl1 : r1 - c.beta1() * kl1;
    }

    /** The return credited to turn 2's tokens. */
    public static double secondTurnReturn(Stage stage, Coefficients c, double r1, double r2, double kl2) {
        double reward = stage == Stage.I ? r2 : SelfCorrectionBonus.shapedSecondAttemptReward(r1, r2, c.alpha());
        return reward - c.beta1() * kl2;
    }

    /**
     * Advantages against the per-prompt leave-one-out baseline: A_g = R_g − mean_{h≠g} R_h over one prompt's samples.
     *
     * @param returns [G] returns of one prompt's G ≥ 2 samples, for one turn
     */
    public static double[] leaveOneOutAdvantages(double[] returns) {
        int g = returns.length;
        if (g < 2) {
            throw new IllegalArgumentException("a per-prompt baseline needs at least 2 samples per prompt, got " + g);
        }
        double sum = 0;
        for (double r : returns) {
            sum += r;
        }
        double[] out = new double[g];
        for (int i = 0; i < g; i++) {
            out[i] = returns[i] - (sum - returns[i]) / (g - 1);
        }
        return out;
    }
}
