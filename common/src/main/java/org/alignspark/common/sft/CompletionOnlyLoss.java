package org.alignspark.common.sft;

import java.util.List;

import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.train.BatchResult;
import org.alignspark.common.train.Objective;

/**
 * Supervised fine-tuning's next-token loss on completion tokens only (prompt tokens masked, as TRL's SFTTrainer with
 * completion_only_loss): L = −(1/N) Σ log p(y_t | x, y_&lt;t), N the minibatch's completion tokens.
 */
public final class CompletionOnlyLoss implements Objective<SftExample, LanguageModel> {
    private final int padId;

    public CompletionOnlyLoss(int padId) {
        this.padId = padId;
    }

    @Override
    public BatchResult lossAndGradients(LanguageModel model, List<SftExample> batch) {
        CompletionLogProbs scored = CompletionLogProbs.forward(model.lm(),
                batch.stream().map(SftExample::prompt).toList(), batch.stream().map(SftExample::completion).toList(), padId);
        long tokens = java.util.Arrays.stream(scored.lengths()).sum();
        double sum = java.util.Arrays.stream(scored.sums()).sum();
        double[] dSums = new double[batch.size()];
        java.util.Arrays.fill(dSums, -1.0 / tokens);
        scored.backward(dSums);
        return model.withActivationBytes(new BatchResult(-sum / tokens * batch.size(), batch.size(), tokens)
                .metricSum("completion_tokens", tokens));
    }

    @Override
    public long tokens(SftExample example) {
        return example.prompt().length + example.completion().length;
    }

    @Override
    public String exampleId(SftExample example) {
        return example.id();
    }
}
