package org.alignspark.cli;

import picocli.CommandLine.Option;

/** {@code --batch-size}: items (pairs, prompts, sequences) a task runs through the model in one pass. */
public final class BatchOption {
    @Option(names = "--batch-size", description = "Items per forward pass (pairs count as one).")
    private int batchSize;

    /** @param defaultSize the job's default */
    public BatchOption(int defaultSize) {
        this.batchSize = defaultSize;
    }

    public int batchSize() {
        OptionChecks.require(batchSize >= 1, "--batch-size must be at least 1, got " + batchSize);
        return batchSize;
    }
}
