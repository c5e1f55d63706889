package org.alignspark.common.sft;

import java.util.ArrayList;
import java.util.List;

import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.CausalLM;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Summed log-probabilities of completions given their prompts, log π(y | x) = Σ_t log π(y_t | x, y_&lt;t), for a batch
 * run as one right-padded forward pass, and the backward pass from dL/d(each row's sum). SFT, DPO and the reference
 * log-prob stage all score completions this way.
 */
public final class CompletionLogProbs {
    private final CausalLM lm;
    private final int[][] targets;       // [B, T], −1 where nothing is scored
    private final INDArray logProbs;     // [B, T]
    private final double[] sums;         // [B]
    private final int[] lengths;         // [B] completion tokens

    private CompletionLogProbs(CausalLM lm, int[][] targets, INDArray logProbs, double[] sums, int[] lengths) {
        this.lm = lm;
        this.targets = targets;
        this.logProbs = logProbs;
        this.sums = sums;
        this.lengths = lengths;
    }

    public static CompletionLogProbs forward(CausalLM lm, List<int[]> prompts, List<int[]> completions, int padId) {
        int b = prompts.size();
        List<int[]> sequences = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            int[] all = java.util.Arrays.copyOf(prompts.get(i), prompts.get(i).length + completions.get(i).length);
            System.arraycopy(completions.get(i), 0, all, prompts.get(i).length, completions.get(i).length);
            sequences.add(all);
        }
        Batch padded = Batch.padded(sequences, Batch.Padding.RIGHT, padId);
        lm.forward(padded);
        int[][] targets = new int[b][padded.length()];
        int[] lengths = new int[b];
        for (int i = 0; i < b; i++) {
            java.util.Arrays.fill(targets[i], -1);
            int promptLength = prompts.get(i).length;
            if (promptLength == 0 || completions.get(i).length == 0) {
                throw new IllegalArgumentException("row " + i + " needs at least one prompt and one completion token");
            }
            for (int t = promptLength - 1; t < sequences.get(i).length - 1; t++) {   // position t predicts token t+1
                targets[i][t] = sequences.get(i)[t + 1];
            }
            lengths[i] = completions.get(i).length;
        }
        INDArray logProbs = lm.logProbs(targets);
        double[] sums = new double[b];
        for (int i = 0; i < b; i++) {
            for (int t = 0; t < padded.length(); t++) {
                if (targets[i][t] >= 0) {
                    sums[i] += logProbs.getDouble(i, t);
                }
            }
        }
        return new CompletionLogProbs(lm, targets, logProbs, sums, lengths);
    }

    /** log π(y_i | x_i) per row, [B]. */
    public double[] sums() {
        return sums;
    }

    /** log π(y_t | x, y_&lt;t) of row i's completion tokens, in order, [|y_i|]. */
    public double[] tokenLogProbs(int i) {
        double[] out = new double[lengths[i]];
        int k = 0;
        for (int t = 0; t < targets[i].length; t++) {
            if (targets[i][t] >= 0) {
                out[k++] = logProbs.getDouble(i, t);
            }
        }
        return out;
    }

    /** |y_i| per row, [B]. */
    public int[] lengths() {
        return lengths;
    }

    /** Accumulates parameter gradients of a loss with dL/d(sums[i]) = {@code dSums[i]}. */
    public void backward(double[] dSums) {
        double[][] d = new double[targets.length][targets[0].length];
        for (int i = 0; i < targets.length; i++) {
            for (int t = 0; t < targets[i].length; t++) {
                d[i][t] = targets[i][t] >= 0 ? dSums[i] : 0.0;
            }
        }
        lm.backwardFromLogProbs(Nd4j.createFromArray(d).castTo(logProbs.dataType()), null);
    }
}
