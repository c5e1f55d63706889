package org.alignspark.common.objectives;

import java.util.Map;

/**
 * The per-label metrics TRL's KTO and BCO trainers log for unpaired data: rewards and summed logps averaged over
 * the desirable (chosen) and the undesirable (rejected) examples separately, and the margin between the two
 * reward means only when both labels are present in the batch.
 */
final class UnpairedRewardMetrics {
    private UnpairedRewardMetrics() {
    }

    /** @param rewards implicit reward per example, [N] */
    static void put(Map<String, Double> m, double[] rewards, UnpairedLogps b) {
        double rewardD = 0;
        double rewardU = 0;
        double logpD = 0;
        double logpU = 0;
        int nD = 0;
        int nU = 0;
        for (int i = 0; i < b.size(); i++) {
            if (b.desirable()[i]) {
                rewardD += rewards[i];
                logpD += b.policy()[i];
                nD++;
            } else {
                rewardU += rewards[i];
                logpU += b.policy()[i];
                nU++;
            }
        }
        if (nD > 0) {
            m.put(TrlMetricNames.REWARDS_CHOSEN, rewardD / nD);
            m.put(TrlMetricNames.LOGPS_CHOSEN, logpD / nD);
        }
        if (nU > 0) {
            m.put(TrlMetricNames.REWARDS_REJECTED, rewardU / nU);
            m.put(TrlMetricNames.LOGPS_REJECTED, logpU / nU);
        }
        if (nD > 0 && nU > 0) {
            m.put(TrlMetricNames.REWARDS_MARGINS, rewardD / nD - rewardU / nU);
        }
    }
}
