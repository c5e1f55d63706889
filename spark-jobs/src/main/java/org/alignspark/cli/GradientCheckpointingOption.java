package org.alignspark.cli;

import org.alignspark.common.lm.CausalLM;
import picocli.CommandLine.Option;

/**
 * {@code --gradient-checkpointing}: {@link CausalLM#setGradientCheckpointing} on the models a training job fits
 * (transformers' {@code gradient_checkpointing} training argument, per decoder layer as there).
 */
public final class GradientCheckpointingOption {
    @Option(names = "--gradient-checkpointing",
            description = "Keep only each transformer block's input through the forward and compute the block again in "
                    + "the backward: one block's activations instead of one per layer, for about one more forward.")
    private boolean on;

    public boolean on() {
        return on;
    }
}
