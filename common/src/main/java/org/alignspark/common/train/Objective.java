package org.alignspark.common.train;

import java.io.Serializable;
import java.util.List;

/**
 * What a training run minimizes over minibatches of whole examples (a pair, a ranked list, a prompt+completion).
 *
 * @param <E> one example
 * @param <M> the model
 */
public interface Objective<E, M extends TrainableModel> extends Serializable {

    /**
     * Forward and backward over one minibatch: leaves d(mean loss over the batch)/d(parameter) in the model's gradient
     * buffers and returns the batch's summed loss and metrics.
     */
    BatchResult lossAndGradients(M model, List<E> batch);

    /** Tokens an example costs, for balancing partitions and reporting throughput. */
    long tokens(E example);

    /** How errors name an example (e.g. its pair_id). */
    String exampleId(E example);
}
