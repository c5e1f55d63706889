package org.alignspark.common.sft;

import java.util.Map;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.train.BatchResult;
import org.alignspark.common.train.TrainableModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A causal LM as the training engine sees it: its parameters and gradient buffers. */
public record LanguageModel(CausalLM lm) implements TrainableModel {
    /**
     * Round metric of every causal-LM objective: the bytes of activations the model holds after a minibatch's forward and
     * backward ({@link CausalLM#activationBytes()}), per token per layer, as a mean over minibatches.
     */
    public static final String ACTIVATION_BYTES = "memory/activation_bytes_per_token_layer";

    /** {@code result} with this model's {@link #ACTIVATION_BYTES} after the minibatch it sums. */
    public BatchResult withActivationBytes(BatchResult result) {
        return result.metricRatio(ACTIVATION_BYTES, lm.activationBytesPerTokenPerLayer(), 1);
    }

    @Override
    public Map<String, INDArray> parameters() {
        return lm.parameters().values();
    }

    @Override
    public Map<String, INDArray> gradients() {
        return lm.parameters().gradients();
    }
}
