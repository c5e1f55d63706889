package org.alignspark.cli;

import picocli.CommandLine.Option;

/** {@code --policy}: the HF model folder a job samples from or evaluates (a trained policy, or any causal LM). */
public final class PolicyOption {
    @Option(names = "--policy", required = true, paramLabel = "FOLDER",
            description = "HF model folder of the policy to sample from or evaluate.")
    private String policy;

    public String policy() {
        return policy;
    }
}
