package org.alignspark.common.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.objectives.DpoLoss;
import org.alignspark.common.objectives.PreferenceLogps;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.train.BatchResult;
import org.alignspark.common.train.Objective;

/**
 * The DPO family (sigmoid/cDPO, robust, hinge, IPO, RPO; common's {@link DpoLoss}) on a causal LM: chosen and rejected
 * completions of a minibatch are scored in one forward pass, the loss's gradients by each summed log-prob flow back
 * through the model. Besides TRL's metrics it records the likelihood-displacement signal of "Unintentional
 * Unalignment" (Razin et al.): the share of pairs whose chosen log-prob is below its reference value.
 */
public record DpoObjective(DpoLoss.Config loss, int padId) implements Objective<PolicyPair, LanguageModel> {
    @Override
    public BatchResult lossAndGradients(LanguageModel model, List<PolicyPair> batch) {
        int n = batch.size();
        List<int[]> prompts = new ArrayList<>(2 * n);
        List<int[]> completions = new ArrayList<>(2 * n);
        double[] refChosen = new double[n];
        double[] refRejected = new double[n];
        for (int i = 0; i < n; i++) {
            PolicyPair p = batch.get(i);
            prompts.add(p.prompt());
            completions.add(p.chosen());
            refChosen[i] = p.refChosen();
            refRejected[i] = p.refRejected();
        }
        for (PolicyPair p : batch) {
            prompts.add(p.prompt());
            completions.add(p.rejected());
        }
        CompletionLogProbs scored = CompletionLogProbs.forward(model.lm(), prompts, completions, padId);   // [2n]
        double[] chosen = java.util.Arrays.copyOfRange(scored.sums(), 0, n);
        double[] rejected = java.util.Arrays.copyOfRange(scored.sums(), n, 2 * n);
        int[] chosenLengths = java.util.Arrays.copyOfRange(scored.lengths(), 0, n);
        int[] rejectedLengths = java.util.Arrays.copyOfRange(scored.lengths(), n, 2 * n);
        DpoLoss.Result result = DpoLoss.compute(loss,
                new PreferenceLogps(chosen, rejected, refChosen, refRejected, chosenLengths, rejectedLengths));
        double[] dSums = new double[2 * n];
        System.arraycopy(result.dPolicyChosen(), 0, dSums, 0, n);
        System.arraycopy(result.dPolicyRejected(), 0, dSums, n, n);
        scored.backward(dSums);

        long tokens = 0;   // every token forwarded (prompt twice, both completions), as tokens() and the other objectives count
        for (PolicyPair p : batch) {
            tokens += tokens(p);
        }
        BatchResult out = new BatchResult(result.loss() * n, n, tokens);
        for (Map.Entry<String, Double> metric : result.metrics().entrySet()) {
            out.metricSum(metric.getKey(), metric.getValue() * n);
        }
        return out;   // DpoLoss's metrics already hold the likelihood-displacement share
    }

    @Override
    public long tokens(PolicyPair example) {
        return 2L * example.prompt().length + example.chosen().length + example.rejected().length;
    }

    @Override
    public String exampleId(PolicyPair example) {
        return example.pairId();
    }
}
