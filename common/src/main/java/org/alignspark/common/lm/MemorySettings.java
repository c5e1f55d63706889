package org.alignspark.common.lm;

import java.io.Serializable;

/**
 * How a training job's models trade compute for memory: {@link CausalLM#setLogitChunkTokens} (--logit-chunk-tokens)
 * and {@link CausalLM#setGradientCheckpointing} (--gradient-checkpointing). Serializable, so the driver's choice
 * travels with the worker factories to the executors.
 */
public record MemorySettings(int logitChunkTokens, boolean gradientCheckpointing) implements Serializable {
    /** Logit chunks by the byte budget, every activation kept. */
    public static final MemorySettings DEFAULT = new MemorySettings(CausalLM.AUTO_LOGIT_CHUNK, false);

    /** {@code model} with these settings. */
    public CausalLM applyTo(CausalLM model) {
        return model.setLogitChunkTokens(logitChunkTokens).setGradientCheckpointing(gradientCheckpointing);
    }
}
