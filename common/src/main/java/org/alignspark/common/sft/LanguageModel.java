package org.alignspark.common.sft;

import java.util.Map;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.train.TrainableModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A causal LM as the training engine sees it: its parameters and gradient buffers. */
public record LanguageModel(CausalLM lm) implements TrainableModel {
    @Override
    public Map<String, INDArray> parameters() {
        return lm.parameters().values();
    }

    @Override
    public Map<String, INDArray> gradients() {
        return lm.parameters().gradients();
    }
}
