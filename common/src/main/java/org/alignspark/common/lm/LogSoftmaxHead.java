package org.alignspark.common.lm;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * log p(target | context) = log softmax(logits)_target of chosen positions, and its backward to the logits:
 * d log softmax(z)_y / dz = onehot(y) − softmax(z). Keeps each row's log Σ exp, never the softmax or the log-softmax
 * [N, V]: rows are reduced in blocks of {@link #BLOCK_ROWS} (a block of a 50k-word vocabulary fits in a core's L2
 * cache) through one scratch block per thread, so the head adds O(BLOCK_ROWS · V) memory per engine thread, and the
 * backward writes dL/dz in one pass from the logits. Blocks run side by side on the engine's threads
 * ({@link RowChunks}).
 *
 * <p>The logits come whole ({@link #logProbs(INDArray, int[][])}: the model's [N, V] buffer, kept, not copied) or in
 * chunks of rows ({@link #logProbs(long, long, LogitRows, int[][])}): then each chunk is computed on request, reduced
 * and dropped, the head keeping only log Σ exp [N] and the targets' logits, and the backward
 * ({@link #backwardInChunks}) asks for each chunk again and hands its dL/dz [chunk, V] on, so no [N, V] array exists.
 */
final class LogSoftmaxHead {
    /** Rows of [N, V] one scratch block holds. */
    private static final int BLOCK_ROWS = 4;

    /** Rows [from, to) of the logits [N, V], computed on request into a buffer the next request may overwrite. */
    @FunctionalInterface
    interface LogitRows {
        INDArray compute(long from, long to);
    }

    /** Takes one chunk's dL/dz [n, V] of rows [from, to), with that chunk's logits z [n, V] (free to overwrite). */
    @FunctionalInterface
    interface ChunkGradient {
        void accept(long from, long to, INDArray z, INDArray dz);
    }

    private final DataType dataType;

    private int[][] targets;       // [B, T] of the last logProbs call, −1 where unscored; null after a forward
    private INDArray logits;       // [N, V] of the last whole logProbs call (the model's own buffer, not copied)
    private LogitRows chunks;      // the last logProbs call's chunks, else null
    private long chunkRows;
    private long rows;             // N
    private INDArray logSumExp;    // [N, 1]
    private INDArray dLogits;      // [N, V] of the whole path, [chunk, V] of the chunked one
    private double[] dlp;          // [N] dL/d(log-probs) of the backward under way, 0 where unscored

    LogSoftmaxHead(DataType dataType) {
        this.dataType = dataType;
    }

    /** Forgets the last targets: new logits invalidate them. */
    void reset() {
        targets = null;
        logits = null;
        chunks = null;
    }

    /** Whether the last {@link #logProbs} call read its logits in chunks ({@link #backwardInChunks} then). */
    boolean chunked() {
        return chunks != null;
    }

    /** log softmax(logits[b·T + t])_{targets[b][t]}, [B, T]; 0 where targets[b][t] &lt; 0. logits [B·T, V]. */
    INDArray logProbs(INDArray logits, int[][] targets) {
        this.targets = targets;
        this.logits = logits;
        this.chunks = null;
        this.rows = logits.rows();
        logSumExp = Buffers.reuse(logSumExp, dataType, logits.rows(), 1);
        double[] out = new double[targets.length * targets[0].length];
        reduce(logits, 0, out);
        return Nd4j.create(out, new long[] {targets.length, targets[0].length}, dataType);
    }

    /**
     * {@link #logProbs(INDArray, int[][])} of logits [n, V] that {@code logits} computes {@code chunkRows} rows at a
     * time: the same values, with no more than one chunk of logits alive.
     */
    INDArray logProbs(long n, long chunkRows, LogitRows logits, int[][] targets) {
        this.targets = targets;
        this.logits = null;
        this.chunks = logits;
        this.chunkRows = chunkRows;
        this.rows = n;
        dLogits = null;                                                          // a whole [N, V] one, if any
        logSumExp = Buffers.reuse(logSumExp, dataType, n, 1);
        double[] out = new double[targets.length * targets[0].length];
        for (long from = 0; from < n; from += chunkRows) {
            long to = Math.min(n, from + chunkRows);
            reduce(logits.compute(from, to), from, out);
        }
        return Nd4j.create(out, new long[] {targets.length, targets[0].length}, dataType);
    }

    /** log Σ exp of the rows [from, from + n) that z [n, V] holds, and their targets' log-probs into {@code out}. */
    private void reduce(INDArray z, long from, double[] out) {
        inBlocks(z, (block, scratch, f, to) -> {                                 // log Σ exp z, shifted by max z
            INDArray max = block.max(true, 1);
            Transforms.exp(scratch.assign(block).subiColumnVector(max), false);
            RowChunks.rows(logSumExp, from + f, from + to).assign(Transforms.log(scratch.sum(true, 1), false).addi(max));
        });
        int t = targets[0].length;
        for (long row = from; row < from + z.rows(); row++) {
            int target = targets[(int) (row / t)][(int) (row % t)];
            out[(int) row] = target < 0 ? 0.0 : z.getDouble(row - from, target) - logSumExp.getDouble(row, 0);
        }
    }

    /**
     * log Σ_v softmax(z)_v² of every row of the last {@link #logProbs} call, [B·T] (WPO's normaliser; no gradient);
     * after a chunked call, each chunk's logits are computed once more for it.
     */
    double[] logSquaredMasses() {
        if (targets == null) {
            throw new IllegalStateException("logSquaredMasses needs logProbs(targets) after the last forward");
        }
        INDArray out = Nd4j.create(dataType, rows, 1);
        if (chunks == null) {
            squaredMasses(logits, 0, out);
        } else {
            for (long from = 0; from < rows; from += chunkRows) {
                squaredMasses(chunks.compute(from, Math.min(rows, from + chunkRows)), from, out);
            }
        }
        double[] masses = out.toDoubleVector();
        for (int i = 0; i < masses.length; i++) {
            masses[i] = Math.log(masses[i]);
        }
        return masses;
    }

    /** Σ exp(2(z − lse)) of the rows [from, from + n) that z [n, V] holds, into {@code out}. */
    private void squaredMasses(INDArray z, long from, INDArray out) {
        inBlocks(z, (block, scratch, f, to) -> {
            INDArray lse = RowChunks.rows(logSumExp, from + f, from + to);
            Transforms.exp(scratch.assign(block).subiColumnVector(lse).muli(2.0), false);
            RowChunks.rows(out, from + f, from + to).assign(scratch.sum(true, 1));
        });
    }

    /** dL/d(logits) [B·T, V] from dL/d(log-probs) [B, T] of the last (whole) {@link #logProbs} call. */
    INDArray backward(INDArray dLogProbs) {
        if (targets == null) {
            throw new IllegalStateException("backwardFromLogProbs needs logProbs(targets) after the last forward");
        }
        if (chunks != null) {
            throw new IllegalStateException("the last logProbs call ran in chunks: backwardInChunks");
        }
        INDArray g = scoredGradient(dLogProbs);
        dLogits = Buffers.reuse(dLogits, dataType, logits.shape());
        gradient(logits, dLogits, 0, g);
        return dLogits;
    }

    /**
     * The backward of the last (chunked) {@link #logProbs} call from dL/d(log-probs) [B, T]: each chunk's logits are
     * computed again, its dL/dz [n, V] written into one chunk buffer and handed to {@code sink} before the next.
     */
    void backwardInChunks(INDArray dLogProbs, ChunkGradient sink) {
        if (targets == null) {
            throw new IllegalStateException("backwardFromLogProbs needs logProbs(targets) after the last forward");
        }
        if (chunks == null) {
            throw new IllegalStateException("the last logProbs call read whole logits: backward");
        }
        INDArray g = scoredGradient(dLogProbs);
        for (long from = 0; from < rows; from += chunkRows) {
            long to = Math.min(rows, from + chunkRows);
            INDArray z = chunks.compute(from, to);
            dLogits = Buffers.reuse(dLogits, dataType, Math.min(chunkRows, rows), z.columns());
            INDArray dz = RowChunks.rows(dLogits, 0, to - from);
            gradient(z, dz, from, g);
            sink.accept(from, to, z, dz);
        }
    }

    /** dL/d(log-probs) [N, 1], 0 where nothing is scored (also kept in {@link #dlp}). */
    private INDArray scoredGradient(INDArray dLogProbs) {
        int t = targets[0].length;
        dlp = new double[targets.length * t];
        for (int i = 0; i < targets.length; i++) {
            for (int j = 0; j < t; j++) {
                dlp[i * t + j] = targets[i][j] < 0 ? 0.0 : dLogProbs.getDouble(i, j);
            }
        }
        return Nd4j.create(dlp, new long[] {dlp.length, 1}, dataType);
    }

    /** dL/dz [n, V] into {@code dz} of the rows [from, from + n) whose logits z [n, V] holds; g = dL/dlp [N, 1]. */
    private void gradient(INDArray z, INDArray dz, long from, INDArray g) {
        // −softmax(z) · dL/dlp = −exp(z − lse) · dL/dlp on every row, then + dL/dlp at the target
        RowChunks.forEach(z.rows(), z.columns(), (f, to) -> {
            INDArray out = RowChunks.rows(dz, f, to).assign(RowChunks.rows(z, f, to))
                    .subiColumnVector(RowChunks.rows(logSumExp, from + f, from + to));
            Transforms.exp(out, false).muliColumnVector(RowChunks.rows(g, from + f, from + to).neg());
        });
        int t = targets[0].length;
        for (long row = from; row < from + z.rows(); row++) {
            int target = targets[(int) (row / t)][(int) (row % t)];
            if (target >= 0) {
                dz.putScalar(row - from, target, dz.getDouble(row - from, target) + dlp[(int) row]);
            }
        }
    }

    /** A reduction over blocks of rows of z: block [n, V] of rows [from, to) of z, scratch [n, V] to overwrite. */
    @FunctionalInterface
    private interface Block {
        void run(INDArray block, INDArray scratch, long from, long to);
    }

    private void inBlocks(INDArray z, Block block) {
        long v = z.columns();
        RowChunks.forEach(z.rows(), v, (from, to) -> {
            INDArray scratch = Nd4j.createUninitialized(dataType, Math.min(BLOCK_ROWS, to - from), v);
            for (long r = from; r < to; r += BLOCK_ROWS) {
                long end = Math.min(to, r + BLOCK_ROWS);
                block.run(RowChunks.rows(z, r, end), RowChunks.rows(scratch, 0, end - r), r, end);
            }
        });
    }
}
