package org.alignspark.common.policy;

import java.util.ArrayList;
import java.util.List;

import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.objectives.KtoLoss;
import org.alignspark.common.objectives.TrlMetricNames;
import org.alignspark.common.objectives.UnpairedLogps;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.train.BatchResult;
import org.alignspark.common.train.Objective;

/**
 * KTO (common's {@link KtoLoss}, docs/spec-objectives.md §2) on a causal LM over binary-feedback examples. Per minibatch:
 * <ol>
 *   <li>a forward pass, without backward, over the examples' mismatched rows (prompt_i, y'_i) → log π_θ(y'_i|x_i), and
 *       with the stored log π_ref(y'_i|x_i) the reference point z₀ = max(0, mean(policy − reference)), detached
 *       as in TRL;</li>
 *   <li>a forward pass over the matched rows (prompt_i, y_i) → log π_θ(y_i|x_i); the loss; backward.</li>
 * </ol>
 * The mismatched completion of each example was fixed by the ref-logprobs stage (see RefLogprobsJob) rather than by
 * rotating completions inside this minibatch, because the reference log-probs of those rows have to be stored before
 * training. TRL rotates within each per-device batch only to have mismatched (x, y') pairs at hand; z₀ estimates
 * KL(π_θ ‖ π_ref) over prompts and completions drawn independently, which any fixed mismatched pairing estimates as
 * well. Logs TRL's {@code kl} (z₀), per-label rewards and logps, margins, and the likelihood-displacement share.
 */
public record KtoObjective(KtoLoss.Config loss, int padId) implements Objective<FeedbackExample, LanguageModel> {
    public KtoObjective {
        if (loss.type() != KtoLoss.Type.KTO) {
            throw new IllegalArgumentException("KtoObjective computes TRL's loss_type 'kto', not " + loss.type());
        }
    }

    @Override
    public BatchResult lossAndGradients(LanguageModel model, List<FeedbackExample> batch) {
        int n = batch.size();
        List<int[]> prompts = new ArrayList<>(n);
        List<int[]> completions = new ArrayList<>(n);
        List<int[]> klCompletions = new ArrayList<>(n);
        double[] reference = new double[n];
        double[] referenceKl = new double[n];
        boolean[] desirable = new boolean[n];
        for (int i = 0; i < n; i++) {
            FeedbackExample e = batch.get(i);
            if (e.klCompletion().length == 0 || Double.isNaN(e.refLogpKl())) {
                throw new IllegalArgumentException(e.exampleId() + " has no mismatched completion for KTO's KL term");
            }
            prompts.add(e.prompt());
            completions.add(e.completion());
            klCompletions.add(e.klCompletion());
            reference[i] = e.refLogp();
            referenceKl[i] = e.refLogpKl();
            desirable[i] = e.desirable();
        }
        double[] policyKl = CompletionLogProbs.forward(model.lm(), prompts, klCompletions, padId).sums();   // [n], no backward
        CompletionLogProbs scored = CompletionLogProbs.forward(model.lm(), prompts, completions, padId);    // [n]
        UnpairedLogps logps = new UnpairedLogps(scored.sums(), reference, desirable);
        KtoLoss.Result result = KtoLoss.compute(loss, logps, policyKl, referenceKl);
        scored.backward(result.dPolicy());

        long tokens = 0;
        for (int i = 0; i < n; i++) {
            tokens += 2L * prompts.get(i).length + completions.get(i).length + klCompletions.get(i).length;
        }
        BatchResult out = model.withActivationBytes(new BatchResult(result.loss() * n, n, tokens));
        out.metricSum(TrlMetricNames.KL, result.kl() * n);
        FeedbackMetrics.add(out, logps, loss.beta());
        return out;
    }

    @Override
    public long tokens(FeedbackExample example) {
        return 2L * example.prompt().length + example.completion().length + example.klCompletion().length;
    }

    @Override
    public String exampleId(FeedbackExample example) {
        return example.exampleId();
    }
}
