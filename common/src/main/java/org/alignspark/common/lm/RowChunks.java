package org.alignspark.common.lm;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The engine's element-wise work split into row ranges that run side by side on the engine's threads
 * ({@link EngineThreads#parallelFor}), each range through ND4J's own (vectorised, single-threaded) operations.
 * ND4J's OpenMP parallelism inside one operation loses time with a second thread on arrays of a transformer
 * layer's size; running whole chains of operations on disjoint rows from separate threads does not
 * (BENCHMARKS.md, "Engine threads").
 */
final class RowChunks {
    /** The least number of elements worth a thread of its own. */
    static final long MIN_ELEMENTS_PER_CHUNK = 1 << 16;

    /** {@link #MIN_ELEMENTS_PER_CHUNK}; tests lower it so that tiny models split too. */
    static volatile long minElementsPerChunk = MIN_ELEMENTS_PER_CHUNK;

    private RowChunks() {
    }

    /** A chain of operations on the rows [from, to). */
    @FunctionalInterface
    interface Range {
        void run(long from, long to);
    }

    /**
     * Runs {@code body} over [0, rows) split into at most one range per engine thread, each of at least
     * {@link #minElementsPerChunk} elements ({@code rowElements} per row); in the calling thread when one range.
     */
    static void forEach(long rows, long rowElements, Range body) {
        long byWork = Math.max(1, rows * rowElements / minElementsPerChunk);
        int chunks = (int) Math.min(Math.min(rows, byWork), EngineThreads.ensureConfigured().threads());
        if (chunks <= 1) {
            body.run(0, rows);
            return;
        }
        long size = (rows + chunks - 1) / chunks;
        EngineThreads.parallelFor(chunks, c -> {
            long from = c * size;
            long to = Math.min(rows, from + size);
            if (from < to) {
                body.run(from, to);
            }
        });
    }

    /**
     * The rows [from, to) of {@code a}'s first dimension as a [n, cols] matrix view of the same memory; {@code a} is
     * contiguous and row-major (the engine's own buffers), its trailing dimensions flattened into rows of
     * {@code cols}.
     */
    static INDArray rows(INDArray a, long from, long to, long cols) {
        if (!isContiguous(a)) {
            throw new IllegalArgumentException("row chunks need a contiguous row-major array, got shape "
                    + Arrays.toString(a.shape()) + " order " + a.ordering());
        }
        long perFirst = a.length() / a.size(0);
        long n = (to - from) * perFirst / cols;
        if (n == a.size(0) && a.rank() == 2 && a.size(1) == cols) {
            return a;                                                        // the whole matrix
        }
        return Nd4j.create(a.data(), new long[] {n, cols}, new long[] {cols, 1}, a.offset() + from * perFirst, 'c');
    }

    /** Whether {@code a} is one row-major run of memory, which {@link #rows} and {@link #view} can cut. */
    static boolean isContiguous(INDArray a) {
        return a.ordering() == 'c' && (a.length() <= 1 || a.elementWiseStride() == 1);
    }

    /** The range [from, to) of {@code a}'s first dimension, its other dimensions whole: a view of the same memory. */
    static INDArray view(INDArray a, long from, long to) {
        if (from == 0 && to == a.size(0) && isContiguous(a)) {
            return a;
        }
        long[] shape = a.shape().clone();
        shape[0] = to - from;
        long[] stride = new long[shape.length];
        long step = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            stride[i] = step;
            step *= i == 0 ? 1 : shape[i];
        }
        long perFirst = a.length() / a.size(0);
        rows(a, from, to, perFirst);                                         // checks the layout
        return Nd4j.create(a.data(), shape, stride, a.offset() + from * perFirst, 'c');
    }

    /** {@link #rows(INDArray, long, long, long)} of a matrix: its rows [from, to). */
    static INDArray rows(INDArray a, long from, long to) {
        return rows(a, from, to, a.size(a.rank() - 1));
    }
}
