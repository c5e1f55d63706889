package org.alignspark.common.lm;

import java.util.List;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A second model, or the same model on other contexts, following a generate call: it reads its own context per
 * sequence (a base model on the same prompt, or the policy on negative examples followed by the prompt) and, after
 * every step, appends the tokens the main model sampled, with one cached forward step per token. Logit processors
 * read its next-token logits for the step being sampled.
 */
public final class LogitStream {
    private final CausalLM model;
    private final KvCache cache;
    private double[][] next;   // [B, V] next-token logits of each row

    /**
     * Runs {@code contexts} (one per sequence of the generate call, left-padded) through {@code model}; the cache
     * holds them and {@code maxNewTokens} more positions.
     */
    public LogitStream(CausalLM model, List<int[]> contexts, int maxNewTokens, int padId) {
        this.model = model;
        Batch batch = Batch.padded(contexts, Batch.Padding.LEFT, padId);
        this.cache = model.newKvCache(contexts.size(), batch.length() + maxNewTokens);
        this.next = lastPosition(model.forward(batch, cache));
    }

    /** Next-token logits of sequence {@code b} [V]; not to be modified. */
    public double[] logits(int b) {
        return next[b];
    }

    public int vocabSize() {
        return model.config().vocabSize();
    }

    /** Appends one token per row ({@code mask[b] = 0}: a padding token for a sequence that has stopped). */
    public void advance(int[] tokens, int[] mask) {
        next = lastPosition(model.forward(new Batch(Generator.column(tokens), Generator.column(mask)), cache));
    }

    /**
     * The next-token logits of every row, copied out of the model's buffer (the next forward of the same model
     * overwrites it).
     */
    static double[][] lastPosition(INDArray logits) {                            // [B, T, V] → [B, V]
        return logits.get(NDArrayIndex.all(), NDArrayIndex.point(logits.size(1) - 1), NDArrayIndex.all())
                .reshape(logits.size(0), logits.size(2)).toDoubleMatrix();
    }
}
