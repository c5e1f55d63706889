package org.alignspark.common.lm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Summed log-probabilities of completions given their prompts, log π(y | x) = Σ_t log π(y_t | x, y_&lt;t), for a batch
 * run as one padded forward pass, and the backward pass from dL/d(each row's sum). SFT, DPO and the reference
 * log-prob stage all score completions this way. Prompt tokens are context only; every completion token is scored.
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

    /** Scores each completion after its prompt, rows right-padded with {@code padId}. */
    public static CompletionLogProbs forward(CausalLM lm, List<int[]> prompts, List<int[]> completions, int padId) {
        return forward(lm, prompts, completions, Batch.Padding.RIGHT, padId);
    }

    /** Scores each completion after its prompt, rows padded on the given side with {@code padId}. */
    public static CompletionLogProbs forward(CausalLM lm, List<int[]> prompts, List<int[]> completions,
                                             Batch.Padding padding, int padId) {
        int b = prompts.size();
        if (completions.size() != b) {
            throw new IllegalArgumentException(b + " prompts but " + completions.size() + " completions");
        }
        List<int[]> sequences = new ArrayList<>(b);
        int[] lengths = new int[b];
        for (int i = 0; i < b; i++) {
            int[] prompt = prompts.get(i);
            int[] completion = completions.get(i);
            if (prompt.length == 0 || completion.length == 0) {
                throw new IllegalArgumentException("row " + i + " needs at least one prompt and one completion token");
            }
            int[] all = Arrays.copyOf(prompt, prompt.length + completion.length);
            System.arraycopy(completion, 0, all, prompt.length, completion.length);
            sequences.add(all);
            lengths[i] = completion.length;
        }
        Batch padded = Batch.padded(sequences, padding, padId);
        lm.forward(padded);
        int[][] targets = new int[b][padded.length()];
        for (int i = 0; i < b; i++) {
            Arrays.fill(targets[i], -1);
            int start = padded.start(i);
            int[] sequence = sequences.get(i);
            for (int t = prompts.get(i).length - 1; t < sequence.length - 1; t++) {   // position t predicts token t+1
                targets[i][start + t] = sequence[t + 1];
            }
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

    /** Sum, token mean and length of each row's completion log-probability. */
    public List<SequenceLogProb> sequences() {
        List<SequenceLogProb> out = new ArrayList<>(sums.length);
        for (int i = 0; i < sums.length; i++) {
            out.add(new SequenceLogProb(sums[i], sums[i] / lengths[i], lengths[i]));
        }
        return out;
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
