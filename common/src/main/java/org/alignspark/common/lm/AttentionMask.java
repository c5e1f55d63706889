package org.alignspark.common.lm;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The additive attention mask [B, 1, T, S] of a step of T new tokens after {@code offset} cached ones: key j is
 * visible to query t iff j ≤ offset + t and key j is a real token, or j is the query's own position; with a sliding
 * window W, also only if j &gt; offset + t − W (Hugging Face's {@code sliding_window_overlay}: the last W positions,
 * the query's own included, counted as indices of the padded row). The diagonal
 * keeps a padding query's softmax row non-empty; the outputs at padding positions mean nothing and are never read.
 */
final class AttentionMask {
    /** Added to the score of a hidden key: a finite "minus infinity", so a query with no visible key stays finite. */
    static final double MASKED = -1e9;

    private AttentionMask() {
    }

    /**
     * 0 where visible, {@link #MASKED} elsewhere; {@code cache} holds the first {@code offset} keys, or is null;
     * {@code window} 0 for full causal attention.
     */
    static INDArray additive(Batch batch, KvCache cache, int offset, int window, DataType dataType) {
        return additive(batch, cache, offset, window, false, dataType);
    }

    /**
     * As {@link #additive(Batch, KvCache, int, int, DataType)}; with {@code sharedPrefix}, the cache is one row whose
     * keys every row of the batch continues, so row i reads the cache's row 0.
     */
    static INDArray additive(Batch batch, KvCache cache, int offset, int window, boolean sharedPrefix, DataType dataType) {
        int b = batch.batchSize();
        int t = batch.length();
        int s = offset + t;
        double[] mask = new double[b * t * s];
        for (int i = 0; i < b; i++) {
            for (int q = 0; q < t; q++) {
                for (int k = 0; k < s; k++) {
                    boolean real = k < offset ? cache.keyMask[sharedPrefix ? 0 : i][k] == 1 : batch.mask()[i][k - offset] == 1;
                    boolean inWindow = window == 0 || k > offset + q - window;
                    boolean visible = k == offset + q || (k < offset + q && real && inWindow);
                    mask[(i * t + q) * s + k] = visible ? 0.0 : MASKED;
                }
            }
        }
        return Nd4j.create(mask, new long[] {b, 1, t, s}, dataType);
    }
}
