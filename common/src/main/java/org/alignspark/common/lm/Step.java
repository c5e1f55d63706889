package org.alignspark.common.lm;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What every layer of one forward pass shares: T new tokens per row, attending to S = offset + T keys.
 *
 * @param mask    [B, 1, T, S] additive attention mask, broadcast over heads
 * @param slidingMask the same mask within the config's sliding window, or null where no layer slides
 * @param ropeCos [B, 1, T, head_dim/2] (null for learned positions)
 * @param ropeSin [B, 1, T, head_dim/2] (null for learned positions)
 * @param cache   the KV cache holding keys [0, offset), or null for a pass over whole sequences
 * @param sharedPrefix whether the cache is one row that every row of the batch continues (read, not written)
 */
record Step(int batch, int length, int offset, INDArray mask, INDArray slidingMask, INDArray ropeCos,
            INDArray ropeSin, KvCache cache, boolean sharedPrefix) {
    /** The mask of a layer with sliding window {@code window} (0: full causal attention). */
    INDArray mask(int window) {
        return window > 0 ? slidingMask : mask;
    }

    int keyLength() {
        return offset + length;
    }
}
