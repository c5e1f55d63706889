package org.alignspark.common.policy;

import org.alignspark.common.objectives.TrlMetricNames;
import org.alignspark.common.objectives.UnpairedLogps;
import org.alignspark.common.train.BatchResult;

/**
 * The per-label metrics TRL's KTO and BCO trainers log, as sums with their own counts so that a round's value is
 * TRL's "gathered sums / gathered counts": rewards/chosen = Σ β·lr over desirable examples / their count, and so on.
 * {@code rewards/margins} is TRL's difference of the two label means per minibatch, averaged over the minibatches
 * that hold both labels weighted by their size (TRL takes the difference of the window's two means; the two agree when
 * every minibatch has the same label mix). {@code logps/chosen_below_ref} is the likelihood-displacement share
 * (Razin et al. 2410.08847) over the desirable examples.
 */
final class FeedbackMetrics {
    private FeedbackMetrics() {
    }

    static void add(BatchResult out, UnpairedLogps b, double beta) {
        double rewardD = 0;
        double rewardU = 0;
        double logpD = 0;
        double logpU = 0;
        int below = 0;
        int nD = 0;
        int nU = 0;
        for (int i = 0; i < b.size(); i++) {
            double reward = beta * b.logRatio(i);
            if (b.desirable()[i]) {
                rewardD += reward;
                logpD += b.policy()[i];
                below += b.policy()[i] < b.reference()[i] ? 1 : 0;
                nD++;
            } else {
                rewardU += reward;
                logpU += b.policy()[i];
                nU++;
            }
        }
        out.metricRatio(TrlMetricNames.REWARDS_CHOSEN, rewardD, nD);
        out.metricRatio(TrlMetricNames.REWARDS_REJECTED, rewardU, nU);
        out.metricRatio(TrlMetricNames.LOGPS_CHOSEN, logpD, nD);
        out.metricRatio(TrlMetricNames.LOGPS_REJECTED, logpU, nU);
        out.metricRatio(TrlMetricNames.CHOSEN_LOGPS_BELOW_REFERENCE, below, nD);
        boolean both = nD > 0 && nU > 0;
        out.metricRatio(TrlMetricNames.REWARDS_MARGINS, both ? (rewardD / nD - rewardU / nU) * b.size() : 0, both ? b.size() : 0);
    }
}
