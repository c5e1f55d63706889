package org.alignspark.common.sft;

import java.util.ArrayList;
import java.util.List;

import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.train.BatchResult;
import org.alignspark.common.train.Objective;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
        CausalLM lm = model.lm();
        List<int[]> sequences = new ArrayList<>(batch.size());
        for (SftExample e : batch) {
            int[] all = java.util.Arrays.copyOf(e.prompt(), e.prompt().length + e.completion().length);
            System.arraycopy(e.completion(), 0, all, e.prompt().length, e.completion().length);
            sequences.add(all);
        }
        Batch padded = Batch.padded(sequences, Batch.Padding.RIGHT, padId);
        lm.forward(padded);
        int[][] targets = new int[batch.size()][padded.length()];
        long scored = 0;
        for (int b = 0; b < batch.size(); b++) {
            java.util.Arrays.fill(targets[b], -1);
            int promptLength = batch.get(b).prompt().length;
            int length = sequences.get(b).length;
            for (int t = Math.max(0, promptLength - 1); t < length - 1; t++) {   // position t predicts token t+1
                targets[b][t] = sequences.get(b)[t + 1];
                scored++;
            }
        }
        INDArray logProbs = lm.logProbs(targets);                                   // [B, T]
        double sum = 0;
        double[][] dLogProbs = new double[batch.size()][padded.length()];
        for (int b = 0; b < batch.size(); b++) {
            for (int t = 0; t < padded.length(); t++) {
                if (targets[b][t] >= 0) {
                    sum += logProbs.getDouble(b, t);
                    dLogProbs[b][t] = -1.0 / scored;
                }
            }
        }
        lm.backwardFromLogProbs(Nd4j.createFromArray(dLogProbs).castTo(logProbs.dataType()), null);
        double meanLoss = -sum / scored;
        return new BatchResult(meanLoss * batch.size(), batch.size(), scored).metricSum("completion_tokens", scored);
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
