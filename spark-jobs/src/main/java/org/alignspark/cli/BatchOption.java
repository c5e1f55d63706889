package org.alignspark.cli;

import picocli.CommandLine.Option;

/** {@code --batch-size}: items (pairs, prompts, sequences) a task runs through the model in one pass. */
public final class BatchOption {
    @Option(names = "--batch-size", description = "Items per forward pass (pairs count as one).")
    private int batchSize;

    private BatchOption(int defaultSize) {
        this.batchSize = defaultSize;
    }

    public static BatchOption defaultingTo(int size) {
        return new BatchOption(size);
    }

    public int batchSize() {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
        }
        return batchSize;
    }
}
