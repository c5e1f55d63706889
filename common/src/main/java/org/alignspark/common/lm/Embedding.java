package org.alignspark.common.lm;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A lookup table: token embeddings ({@code wte}, {@code embed_tokens}) or GPT-2's learned positions ({@code wpe}). */
final class Embedding {
    private final int d;
    private final INDArray weight;    // [rows, d]
    private final INDArray dWeight;

    private int[] ids;        // [N]
    private INDArray y;       // [N, d]

    Embedding(Parameters params, String name, int rows, int d) {
        this.d = d;
        this.weight = params.add(name, rows, d);
        this.dWeight = params.gradient(name);
    }

    INDArray forward(int[] ids) { // ids [N] -> [N, d]
        long rows = weight.rows();
        for (int id : ids) {
            if (id < 0 || id >= rows) {
                throw new IllegalArgumentException("index " + id + " is outside the embedding table of " + rows);
            }
        }
        this.ids = ids;
        y = Buffers.reuse(y, weight.dataType(), ids.length, d);
        return Nd4j.pullRows(weight, y, 1, ids);
    }

    void backward(INDArray dy) { // dy [N, d]; rows of dW accumulate (none over a frozen base)
        if (dWeight == null) {
            return;
        }
        for (int n = 0; n < ids.length; n++) {
            dWeight.getRow(ids[n]).addi(dy.getRow(n));
        }
    }
}
