package org.alignspark.cli;

import org.alignspark.common.lm.MemorySettings;
import picocli.CommandLine.Mixin;

/** What a causal-LM training job's models hold in memory: {@code --logit-chunk-tokens} and {@code --gradient-checkpointing}. */
public final class TrainingMemoryOptions {
    @Mixin private LogitChunkOption logitChunks;
    @Mixin private GradientCheckpointingOption checkpointing;

    public MemorySettings settings() {
        return new MemorySettings(logitChunks.tokens(), checkpointing.on());
    }
}
