package org.alignspark.common.lm;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * log π(y_t | x, y_&lt;t) of many completions y of one prompt x, with x computed once: x runs alone into a one-row
 * {@link KvCache}, then the completions run as right-padded batches that attend to it
 * ({@link CausalLM#forwardAfterSharedPrefix}), instead of one copy of x in front of every row as
 * {@link CompletionLogProbs} does. The same values as {@link CompletionLogProbs#tokenLogProbs} to rounding. The first
 * completion token of every row is scored by x's last position; each later one by the row's previous position.
 * Inference only.
 */
public final class SharedPrefixLogProbs {
    private SharedPrefixLogProbs() {
    }

    /**
     * Token log-probs of each completion after {@code prompt}, [|y_i|] per completion, in order; {@code batch}
     * completions per forward pass (0: all at once).
     */
    public static List<double[]> tokenLogProbs(CausalLM lm, int[] prompt, List<int[]> completions, int padId, int batch) {
        return score(lm, prompt, completions, padId, batch, false).completions();
    }

    /**
     * What one pass over a prompt and its completions gives: each completion's token log-probs and, when asked for, the
     * prompt's own, log π(x_t | x_&lt;t) at index t for t ≥ 1 (index 0, with nothing before it, is NaN), read from the
     * same pass that fills the cache, so a score of a prompt's prefix (FLR's Direct baseline: the response inside the
     * conversation) costs no forward pass of its own.
     */
    public record Scored(double[] prompt, List<double[]> completions) {
    }

    /** {@link #tokenLogProbs}, with the prompt's own token log-probs when {@code promptLogProbs}. */
    public static Scored score(CausalLM lm, int[] prompt, List<int[]> completions, int padId, int batch, boolean promptLogProbs) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("a shared prefix needs at least one token");
        }
        for (int i = 0; i < completions.size(); i++) {
            if (completions.get(i).length == 0) {
                throw new IllegalArgumentException("completion " + i + " needs at least one token");
            }
        }
        KvCache prefix = lm.newKvCache(1, prompt.length);
        lm.forwardHidden(Batch.of(prompt), prefix);                                    // no [P, V] logits
        double[] first = logSoftmax(lm.logitsAt(0, prompt.length - 1));                // [V] next after x
        double[] own = null;
        if (promptLogProbs) {
            int[][] targets = new int[1][prompt.length];
            java.util.Arrays.fill(targets[0], -1);
            for (int t = 0; t + 1 < prompt.length; t++) {                               // position t predicts x[t+1]
                targets[0][t] = prompt[t + 1];
            }
            INDArray logProbs = lm.logProbs(targets);                                  // [1, P]
            own = new double[prompt.length];
            own[0] = Double.NaN;
            for (int t = 0; t + 1 < prompt.length; t++) {
                own[t + 1] = logProbs.getDouble(0, t);
            }
        }
        int size = batch <= 0 ? completions.size() : batch;
        List<double[]> out = new ArrayList<>(completions.size());
        for (int start = 0; start < completions.size(); start += size) {
            List<int[]> chunk = completions.subList(start, Math.min(start + size, completions.size()));
            Batch padded = Batch.padded(chunk, Batch.Padding.RIGHT, padId);            // [b, T]
            lm.forwardHiddenAfterSharedPrefix(padded, prefix);
            int[][] targets = new int[chunk.size()][padded.length()];
            for (int i = 0; i < chunk.size(); i++) {
                int[] y = chunk.get(i);
                java.util.Arrays.fill(targets[i], -1);
                for (int t = 0; t + 1 < y.length; t++) {                               // position t predicts y[t+1]
                    targets[i][t] = y[t + 1];
                }
            }
            INDArray logProbs = lm.logProbs(targets);                                  // [b, T]
            for (int i = 0; i < chunk.size(); i++) {
                int[] y = chunk.get(i);
                double[] row = new double[y.length];
                row[0] = first[y[0]];
                for (int t = 0; t + 1 < y.length; t++) {
                    row[t + 1] = logProbs.getDouble(i, t);
                }
                out.add(row);
            }
        }
        return new Scored(own, out);
    }

    /**
     * Final hidden states (after the final norm) of each completion after {@code prompt}, with the prompt computed once:
     * per completion [1 + |y_i|][d], row 0 the prompt's last position (the state that predicts y_0), row 1 + t that of
     * y_t; what a full forward of x ⊕ y gives at positions |x| − 1 … |x| + |y| − 1. Inference only.
     */
    public static List<float[][]> hiddenStates(CausalLM lm, int[] prompt, List<int[]> completions, int padId) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("a shared prefix needs at least one token");
        }
        KvCache prefix = lm.newKvCache(1, prompt.length);
        lm.forwardHidden(Batch.of(prompt), prefix);
        float[] promptLast = lm.hiddenStates()                                          // [1, P, d]
                .get(NDArrayIndex.point(0), NDArrayIndex.point(prompt.length - 1), NDArrayIndex.all())
                .castTo(DataType.FLOAT).toFloatVector();
        List<float[][]> out = new ArrayList<>(completions.size());
        if (completions.isEmpty()) {
            return out;
        }
        lm.forwardHiddenAfterSharedPrefix(Batch.padded(completions, Batch.Padding.RIGHT, padId), prefix);
        INDArray hidden = lm.hiddenStates().castTo(DataType.FLOAT);                     // [b, T, d]
        for (int i = 0; i < completions.size(); i++) {
            float[][] rows = hidden.slice(i).toFloatMatrix();                           // [T, d]
            float[][] states = new float[1 + completions.get(i).length][];
            states[0] = promptLast;
            System.arraycopy(rows, 0, states, 1, completions.get(i).length);
            out.add(states);
        }
        return out;
    }

    /** log softmax(z) of one row of logits, [V], shifted by the maximum (as {@link LogSoftmaxHead}). */
    private static double[] logSoftmax(INDArray logits) {
        double[] z = logits.castTo(DataType.DOUBLE).toDoubleVector();
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        double logSum = max + Math.log(sum);
        for (int v = 0; v < z.length; v++) {
            z[v] -= logSum;
        }
        return z;
    }
}
