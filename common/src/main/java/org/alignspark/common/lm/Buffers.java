package org.alignspark.common.lm;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Activation and gradient buffers: allocated when a (batch, length) shape is first seen, then reused. */
final class Buffers {
    private Buffers() {
    }

    /** {@code buffer} itself when it already has {@code shape}, else a new zeroed array of that shape. */
    static INDArray reuse(INDArray buffer, DataType type, long... shape) {
        if (buffer != null && Arrays.equals(buffer.shape(), shape)) {
            return buffer;
        }
        return Nd4j.create(type, shape);
    }
}
