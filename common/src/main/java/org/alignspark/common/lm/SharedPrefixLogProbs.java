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
        if (prompt.length == 0) {
            throw new IllegalArgumentException("a shared prefix needs at least one token");
        }
        for (int i = 0; i < completions.size(); i++) {
            if (completions.get(i).length == 0) {
                throw new IllegalArgumentException("completion " + i + " needs at least one token");
            }
        }
        KvCache prefix = lm.newKvCache(1, prompt.length);
        INDArray last = lm.forward(Batch.of(prompt), prefix)                            // [1, P, V]
                .get(NDArrayIndex.point(0), NDArrayIndex.point(prompt.length - 1), NDArrayIndex.all());
        double[] first = logSoftmax(last);                                              // [V] next after x
        int size = batch <= 0 ? completions.size() : batch;
        List<double[]> out = new ArrayList<>(completions.size());
        for (int start = 0; start < completions.size(); start += size) {
            List<int[]> chunk = completions.subList(start, Math.min(start + size, completions.size()));
            Batch padded = Batch.padded(chunk, Batch.Padding.RIGHT, padId);            // [b, T]
            lm.forwardAfterSharedPrefix(padded, prefix);
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
