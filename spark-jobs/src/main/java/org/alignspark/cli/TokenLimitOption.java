package org.alignspark.cli;

import picocli.CommandLine.Option;

/** {@code --max-length}: the longest training example, in tokens; longer ones are quarantined with their length. */
public final class TokenLimitOption {
    @Option(names = "--max-length", defaultValue = "512", description = "Longest example (prompt + completion) in tokens.")
    private int maxLength;

    public int maxLength() {
        return maxLength;
    }
}
