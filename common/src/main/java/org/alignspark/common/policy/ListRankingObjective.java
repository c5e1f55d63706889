package org.alignspark.common.policy;

import java.util.ArrayList;
import java.util.List;

import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.objectives.ListRankingLoss;
import org.alignspark.common.objectives.TrlMetricNames;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.train.BatchResult;
import org.alignspark.common.train.Objective;

/**
 * Preference-list ranking (TPO's list objective; common's {@link ListRankingLoss}, docs/spec-objectives.md §5) on a causal LM:
 * every response of every list in the minibatch is scored in one forward pass, each response's score is its summed
 * log-ratio s = log π_θ(y|x) − log π_ref(y|x), and the loss's gradient by each score flows back through the model.
 * TPO's adaptive step reward (step-weighted scores from hidden states) is not used here: responses are scored whole.
 * Metrics: rewards/chosen and rewards/rejected (β·s of each list's best- and worst-labelled response), margins,
 * rewards/accuracies (share of ordered pairs scored strictly in order, over all pairs of the round), ndcg,
 * logps/chosen|rejected (summed logps of those responses) and the likelihood-displacement share of the best response.
 */
public record ListRankingObjective(ListRankingLoss.Config loss, int padId) implements Objective<RankedList, LanguageModel> {
    @Override
    public BatchResult lossAndGradients(LanguageModel model, List<RankedList> batch) {
        List<int[]> prompts = new ArrayList<>();
        List<int[]> completions = new ArrayList<>();
        for (RankedList list : batch) {
            if (!list.hasOrderedPair()) {
                throw new IllegalArgumentException(list.listId() + ": every response has the same label, nothing to rank");
            }
            for (int[] response : list.responses()) {
                prompts.add(list.prompt());
                completions.add(response);
            }
        }
        CompletionLogProbs scored = CompletionLogProbs.forward(model.lm(), prompts, completions, padId);    // [Σ K_l]
        int n = batch.size();
        double[][] scores = new double[n][];
        double[][] labels = new double[n][];
        int row = 0;
        for (int l = 0; l < n; l++) {
            RankedList list = batch.get(l);
            scores[l] = new double[list.responses().length];
            for (int k = 0; k < scores[l].length; k++, row++) {
                scores[l][k] = scored.sums()[row] - list.refLogps()[k];
            }
            labels[l] = list.labels();
        }
        ListRankingLoss.Result result = ListRankingLoss.compute(loss, scores, labels);
        double[] dSums = new double[row];
        row = 0;
        for (double[] d : result.dScores()) {
            for (double v : d) {
                dSums[row++] = v;
            }
        }
        scored.backward(dSums);

        long tokens = 0;
        for (RankedList list : batch) {
            tokens += tokens(list);
        }
        BatchResult out = model.withActivationBytes(new BatchResult(result.loss() * n, n, tokens));
        for (String key : new String[] {TrlMetricNames.REWARDS_CHOSEN, TrlMetricNames.REWARDS_REJECTED,
                TrlMetricNames.REWARDS_MARGINS, "ndcg"}) {
            out.metricSum(key, result.metrics().get(key) * n);
        }
        long pairs = 0;
        long ordered = 0;
        double logpBest = 0;
        double logpWorst = 0;
        int below = 0;
        row = 0;
        for (int l = 0; l < n; l++) {
            double[] s = scores[l];
            double[] psi = labels[l];
            int top = 0;
            int bottom = 0;
            for (int i = 0; i < s.length; i++) {
                top = psi[i] > psi[top] ? i : top;
                bottom = psi[i] < psi[bottom] ? i : bottom;
                for (int j = 0; j < s.length; j++) {
                    if (psi[i] > psi[j]) {
                        pairs++;
                        ordered += s[i] > s[j] ? 1 : 0;
                    }
                }
            }
            logpBest += scored.sums()[row + top];
            logpWorst += scored.sums()[row + bottom];
            below += scored.sums()[row + top] < batch.get(l).refLogps()[top] ? 1 : 0;
            row += s.length;
        }
        out.metricRatio(TrlMetricNames.REWARDS_ACCURACIES, ordered, pairs);
        out.metricSum(TrlMetricNames.LOGPS_CHOSEN, logpBest);
        out.metricSum(TrlMetricNames.LOGPS_REJECTED, logpWorst);
        out.metricSum(TrlMetricNames.CHOSEN_LOGPS_BELOW_REFERENCE, below);
        return out;
    }

    @Override
    public long tokens(RankedList list) {
        long tokens = 0;
        for (int[] response : list.responses()) {
            tokens += list.prompt().length + response.length;
        }
        return tokens;
    }

    @Override
    public String exampleId(RankedList list) {
        return list.listId();
    }
}
