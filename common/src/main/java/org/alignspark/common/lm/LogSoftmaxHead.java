package org.alignspark.common.lm;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * log p(target | context) = log softmax(logits)_target of chosen positions, and its backward to the logits:
 * d log softmax(z)_y / dz = onehot(y) − softmax(z). Keeps the softmax of its last call for the backward.
 */
final class LogSoftmaxHead {
    private final DataType dataType;

    private int[][] targets;       // [B, T] of the last logProbs call, −1 where unscored; null after a forward
    private INDArray logSoftmax;   // [N, V]
    private INDArray softmax;      // [N, V]
    private INDArray dLogits;      // [N, V]

    LogSoftmaxHead(DataType dataType) {
        this.dataType = dataType;
    }

    /** Forgets the last targets: new logits invalidate them. */
    void reset() {
        targets = null;
    }

    /** log softmax(logits[b·T + t])_{targets[b][t]}, [B, T]; 0 where targets[b][t] &lt; 0. logits [B·T, V]. */
    INDArray logProbs(INDArray logits, int[][] targets) {
        int b = targets.length;
        int t = targets[0].length;
        this.targets = targets;
        logSoftmax = Buffers.reuse(logSoftmax, dataType, logits.shape());
        softmax = Buffers.reuse(softmax, dataType, logits.shape());
        logSoftmax.assign(logits).subiColumnVector(logits.max(true, 1));         // z − max z
        Transforms.exp(softmax.assign(logSoftmax), false);                        // exp(z − max z)
        INDArray sumExp = softmax.sum(true, 1);                                   // [N, 1]
        softmax.diviColumnVector(sumExp);                                         // [N, V]
        logSoftmax.subiColumnVector(Transforms.log(sumExp, false));               // [N, V]
        double[] out = new double[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                int target = targets[i][j];
                out[i * t + j] = target < 0 ? 0.0 : logSoftmax.getDouble((long) i * t + j, target);
            }
        }
        return Nd4j.create(out, new long[] {b, t}, dataType);
    }

    /**
     * log Σ_v softmax(z)_v² of every row of the last {@link #logProbs} call, [B·T] (WPO's normaliser; no gradient).
     */
    double[] logSquaredMasses() {
        if (targets == null) {
            throw new IllegalStateException("logSquaredMasses needs logProbs(targets) after the last forward");
        }
        INDArray squares = softmax.mul(softmax).sum(1);                          // [N]
        double[] out = new double[(int) squares.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.log(squares.getDouble(i));
        }
        return out;
    }

    /** dL/d(logits) [B·T, V] from dL/d(log-probs) [B, T] of the last {@link #logProbs} call. */
    INDArray backward(INDArray dLogProbs) {
        if (targets == null) {
            throw new IllegalStateException("backwardFromLogProbs needs logProbs(targets) after the last forward");
        }
        int t = targets[0].length;
        double[] dlp = new double[targets.length * t];                           // 0 where nothing is scored
        for (int i = 0; i < targets.length; i++) {
            for (int j = 0; j < t; j++) {
                dlp[i * t + j] = targets[i][j] < 0 ? 0.0 : dLogProbs.getDouble(i, j);
            }
        }
        // −softmax(z) · dL/dlp on every row, then + dL/dlp at the target
        dLogits = Buffers.reuse(dLogits, dataType, softmax.shape());
        dLogits.assign(softmax).negi()
                .muliColumnVector(Nd4j.create(dlp, new long[] {dlp.length, 1}, dataType));
        for (int i = 0; i < targets.length; i++) {
            for (int j = 0; j < t; j++) {
                if (targets[i][j] >= 0) {
                    long row = (long) i * t + j;
                    dLogits.putScalar(row, targets[i][j], dLogits.getDouble(row, targets[i][j]) + dlp[(int) row]);
                }
            }
        }
        return dLogits;
    }
}
