package org.alignspark.common.objectives;

import java.util.Map;

/**
 * A reward-model pair loss evaluated on a batch of B pairs.
 *
 * @param loss             mean loss over the batch (plus any batch-level penalty)
 * @param dRewardsChosen   ∂loss/∂r(x, y_c) per pair, [B]
 * @param dRewardsRejected ∂loss/∂r(x, y_r) per pair, [B]
 * @param metrics          TRL RewardTrainer metrics by their TRL names
 */
public record RewardPairLossResult(double loss, double[] dRewardsChosen, double[] dRewardsRejected,
                                   Map<String, Double> metrics) {
}
