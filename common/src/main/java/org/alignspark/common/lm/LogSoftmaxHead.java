package org.alignspark.common.lm;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * log p(target | context) = log softmax(logits)_target of chosen positions, and its backward to the logits:
 * d log softmax(z)_y / dz = onehot(y) − softmax(z). Keeps the logits it was given and each row's log Σ exp, never
 * the softmax or the log-softmax [N, V]: rows are reduced in blocks of {@link #BLOCK_ROWS} (a block of a 50k-word
 * vocabulary fits in a core's L2 cache) through one scratch
 * block per thread, so the head adds O(BLOCK_ROWS · V) memory per engine thread to the logits, and the backward
 * writes dL/dz in one pass from the logits. Blocks run side by side on the engine's threads ({@link RowChunks}).
 */
final class LogSoftmaxHead {
    /** Rows of [N, V] one scratch block holds. */
    private static final int BLOCK_ROWS = 4;

    private final DataType dataType;

    private int[][] targets;       // [B, T] of the last logProbs call, −1 where unscored; null after a forward
    private INDArray logits;       // [N, V] of the last logProbs call (the model's own buffer, not copied)
    private INDArray logSumExp;    // [N, 1]
    private INDArray dLogits;      // [N, V]

    LogSoftmaxHead(DataType dataType) {
        this.dataType = dataType;
    }

    /** Forgets the last targets: new logits invalidate them. */
    void reset() {
        targets = null;
        logits = null;
    }

    /** log softmax(logits[b·T + t])_{targets[b][t]}, [B, T]; 0 where targets[b][t] &lt; 0. logits [B·T, V]. */
    INDArray logProbs(INDArray logits, int[][] targets) {
        int b = targets.length;
        int t = targets[0].length;
        this.targets = targets;
        this.logits = logits;
        logSumExp = Buffers.reuse(logSumExp, dataType, logits.rows(), 1);
        inBlocks((z, scratch, from, to) -> {                                     // log Σ exp z, shifted by max z
            INDArray max = z.max(true, 1);
            Transforms.exp(scratch.assign(z).subiColumnVector(max), false);
            RowChunks.rows(logSumExp, from, to).assign(Transforms.log(scratch.sum(true, 1), false).addi(max));
        });
        double[] out = new double[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                int target = targets[i][j];
                int row = i * t + j;
                out[row] = target < 0 ? 0.0 : logits.getDouble(row, target) - logSumExp.getDouble(row, 0);
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
        INDArray out = Nd4j.create(dataType, logits.rows(), 1);
        inBlocks((z, scratch, from, to) -> {                                     // Σ exp(2(z − lse))
            INDArray lse = RowChunks.rows(logSumExp, from, to);
            Transforms.exp(scratch.assign(z).subiColumnVector(lse).muli(2.0), false);
            RowChunks.rows(out, from, to).assign(scratch.sum(true, 1));
        });
        double[] masses = out.toDoubleVector();
        for (int i = 0; i < masses.length; i++) {
            masses[i] = Math.log(masses[i]);
        }
        return masses;
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
        INDArray g = Nd4j.create(dlp, new long[] {dlp.length, 1}, dataType);
        dLogits = Buffers.reuse(dLogits, dataType, logits.shape());
        // −softmax(z) · dL/dlp = −exp(z − lse) · dL/dlp on every row, then + dL/dlp at the target
        RowChunks.forEach(logits.rows(), logits.columns(), (from, to) -> {
            INDArray out = RowChunks.rows(dLogits, from, to).assign(RowChunks.rows(logits, from, to))
                    .subiColumnVector(RowChunks.rows(logSumExp, from, to));
            Transforms.exp(out, false).muliColumnVector(RowChunks.rows(g, from, to).neg());
        });
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

    /** A reduction over blocks of rows of the logits: z [n, V] of rows [from, to), scratch [n, V] to overwrite. */
    @FunctionalInterface
    private interface Block {
        void run(INDArray z, INDArray scratch, long from, long to);
    }

    private void inBlocks(Block block) {
        long v = logits.columns();
        RowChunks.forEach(logits.rows(), v, (from, to) -> {
            INDArray scratch = Nd4j.createUninitialized(dataType, Math.min(BLOCK_ROWS, to - from), v);
            for (long r = from; r < to; r += BLOCK_ROWS) {
                long end = Math.min(to, r + BLOCK_ROWS);
                block.run(RowChunks.rows(logits, r, end), RowChunks.rows(scratch, 0, end - r), r, end);
            }
        });
    }
}
