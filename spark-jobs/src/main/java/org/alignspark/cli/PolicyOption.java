package org.alignspark.cli;

import org.alignspark.train.Checkpoints;
import picocli.CommandLine.Option;

/** {@code --policy}: the HF model folder a job samples from or evaluates (a trained policy, or any causal LM). */
public final class PolicyOption {
    @Option(names = "--policy", required = true, paramLabel = "FOLDER",
            description = "HF model folder of the policy to sample from or evaluate.")
    private String policy;

    /** The folder, checked on the driver ({@link Checkpoints#checkModelFolder}). */
    public String policy() {
        return Checkpoints.checkModelFolder("--policy", policy);
    }
}
