package org.alignspark.common.lm;

import org.nd4j.linalg.api.ndarray.INDArray;

/** A per-row normalisation with a learned gain: {@link LayerNorm} (GPT-2) or {@link RmsNorm} (Llama). */
interface Norm {
    INDArray forward(INDArray x);   // [N, d] -> [N, d]

    INDArray backward(INDArray dy); // [N, d] -> dx [N, d]; parameter gradients accumulate

    static Norm of(ModelConfig config, Parameters params, String name) {
        return config.family() == ModelConfig.Family.GPT2
                ? new LayerNorm(params, name, config.dModel(), config.normEps())
                : new RmsNorm(params, name, config.dModel(), config.normEps());
    }
}
