package org.alignspark.common.lm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Summed log-probabilities of completions given their prompts, log π(y | x) = Σ_t log π(y_t | x, y_&lt;t), for a batch
 * run as one padded forward pass, and the backward pass from dL/d(each row's sum) or dL/d(each completion token).
 * SFT, DPO and the reference log-prob stage all score completions this way. Prompt tokens are context only; every
 * completion token is scored. On request the prompt's own tokens (all but the first) are scored too, kept apart in
 * {@link #promptSums()}: ORPO's NLL is over prompt and completion.
 */
public final class CompletionLogProbs {
    private final CausalLM lm;
    private final int[][] targets;       // [B, T], −1 where nothing is scored
    private final int[] completionStart; // [B] first position whose target is a completion token
    private final INDArray logProbs;     // [B, T]
    private final double[] sums;         // [B] completion tokens
    private final double[] promptSums;   // [B] prompt tokens 2..p (0 unless scored)
    private final int[] lengths;         // [B] completion tokens
    private final int[] promptTokens;    // [B] scored prompt tokens (p − 1, or 0)

    private CompletionLogProbs(CausalLM lm, int[][] targets, int[] completionStart, INDArray logProbs, double[] sums,
                               double[] promptSums, int[] lengths, int[] promptTokens) {
        this.lm = lm;
        this.targets = targets;
        this.completionStart = completionStart;
        this.logProbs = logProbs;
        this.sums = sums;
        this.promptSums = promptSums;
        this.lengths = lengths;
        this.promptTokens = promptTokens;
    }

    /** Scores each completion after its prompt, rows right-padded with {@code padId}. */
    public static CompletionLogProbs forward(CausalLM lm, List<int[]> prompts, List<int[]> completions, int padId) {
        return forward(lm, prompts, completions, Batch.Padding.RIGHT, padId, false);
    }

    /** Scores each completion after its prompt, rows padded on the given side with {@code padId}. */
    public static CompletionLogProbs forward(CausalLM lm, List<int[]> prompts, List<int[]> completions,
                                             Batch.Padding padding, int padId) {
        return forward(lm, prompts, completions, padding, padId, false);
    }

    /**
     * Scores each completion after its prompt; with {@code scorePrompts} also each prompt token after the first
     * ({@link #promptSums()}), in the same pass.
     */
    public static CompletionLogProbs forward(CausalLM lm, List<int[]> prompts, List<int[]> completions,
                                             Batch.Padding padding, int padId, boolean scorePrompts) {
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
        lm.forwardHidden(padded);                                // the logits in chunks, by logProbs
        int[][] targets = new int[b][padded.length()];
        int[] completionStart = new int[b];
        int[] promptTokens = new int[b];
        for (int i = 0; i < b; i++) {
            Arrays.fill(targets[i], -1);
            int start = padded.start(i);
            int[] sequence = sequences.get(i);
            int p = prompts.get(i).length;
            completionStart[i] = start + p - 1;
            int from = scorePrompts ? 0 : p - 1;
            promptTokens[i] = scorePrompts ? p - 1 : 0;
            for (int t = from; t < sequence.length - 1; t++) {   // position t predicts token t+1
                targets[i][start + t] = sequence[t + 1];
            }
        }
        INDArray logProbs = lm.logProbs(targets);
        double[] sums = new double[b];
        double[] promptSums = new double[b];
        for (int i = 0; i < b; i++) {
            for (int t = 0; t < padded.length(); t++) {
                if (targets[i][t] >= 0) {
                    if (t >= completionStart[i]) {
                        sums[i] += logProbs.getDouble(i, t);
                    } else {
                        promptSums[i] += logProbs.getDouble(i, t);
                    }
                }
            }
        }
        return new CompletionLogProbs(lm, targets, completionStart, logProbs, sums, promptSums, lengths, promptTokens);
    }

    /** log π(y_i | x_i) per row, [B]. */
    public double[] sums() {
        return sums;
    }

    /** Σ log π over each row's prompt tokens after the first, [B]; zeros unless the prompts were scored. */
    public double[] promptSums() {
        return promptSums;
    }

    /** How many prompt tokens {@link #promptSums()} covers per row (prompt length − 1, or 0), [B]. */
    public int[] promptTokens() {
        return promptTokens;
    }

    /** log π(y_t | x, y_&lt;t) of row i's completion tokens, in order, [|y_i|]. */
    public double[] tokenLogProbs(int i) {
        double[] out = new double[lengths[i]];
        for (int k = 0; k < lengths[i]; k++) {
            out[k] = logProbs.getDouble(i, completionStart[i] + k);
        }
        return out;
    }

    /** log Σ_v π(v | x, y_&lt;t)² at row i's completion positions, [|y_i|] (WPO's normaliser; no gradient). */
    public double[] tokenLogSquaredMasses(int i) {
        double[][] all = lm.logSquaredMasses();
        return Arrays.copyOfRange(all[i], completionStart[i], completionStart[i] + lengths[i]);
    }

    /** log Σ_v π(v | ·)² at every row's completion positions, [B][|y_i|], from one pass over the batch. */
    public double[][] tokenLogSquaredMasses() {
        double[][] all = lm.logSquaredMasses();
        double[][] out = new double[lengths.length][];
        for (int i = 0; i < out.length; i++) {
            out[i] = Arrays.copyOfRange(all[i], completionStart[i], completionStart[i] + lengths[i]);
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
        backward(dSums, null);
    }

    /**
     * Accumulates parameter gradients of a loss with dL/d(sums[i]) = {@code dSums[i]} and dL/d(promptSums[i]) =
     * {@code dPromptSums[i]} (null: none).
     */
    public void backward(double[] dSums, double[] dPromptSums) {
        double[][] perToken = new double[lengths.length][];
        for (int i = 0; i < lengths.length; i++) {
            perToken[i] = new double[lengths[i]];
            Arrays.fill(perToken[i], dSums[i]);
        }
        backwardTokens(perToken, dPromptSums);
    }

    /**
     * Accumulates parameter gradients from dL/d(log-prob of each completion token), [B][|y_i|], and dL/d(promptSums[i])
     * (null: none): what a loss needs when tokens of one completion weigh differently (LD-DPO).
     */
    public void backwardTokens(double[][] dTokens, double[] dPromptSums) {
        double[][] d = new double[targets.length][targets[0].length];
        for (int i = 0; i < targets.length; i++) {
            for (int t = 0; t < targets[i].length; t++) {
                if (targets[i][t] < 0) {
                    continue;
                }
                if (t >= completionStart[i]) {
                    d[i][t] = dTokens[i][t - completionStart[i]];
                } else if (dPromptSums != null) {
                    d[i][t] = dPromptSums[i];
                }
            }
        }
        lm.backwardFromLogProbs(Nd4j.createFromArray(d).castTo(logProbs.dataType()), null);
    }
}
