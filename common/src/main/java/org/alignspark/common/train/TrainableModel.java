package org.alignspark.common.train;

import java.util.Map;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model the training engine can fit: named parameters, and gradient buffers of the same names and shapes that a
 * forward/backward pass accumulates into.
 */
public interface TrainableModel {

    /** Parameters in a fixed order; the arrays are updated in place. */
    Map<String, INDArray> parameters();

    /** Gradient buffers, same names, shapes and order as {@link #parameters()}. */
    Map<String, INDArray> gradients();

    default void zeroGradients() {
        for (INDArray g : gradients().values()) {
            g.assign(0);
        }
    }
}
