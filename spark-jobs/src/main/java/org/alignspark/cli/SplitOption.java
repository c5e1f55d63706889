package org.alignspark.cli;

import picocli.CommandLine.Option;

/**
 * {@code --split}: which rows of the input a job reads, by the split column every table carries. The default is the
 * job's: trainers read train, evaluations test, samplers all.
 */
public final class SplitOption {
    @Option(names = "--split", description = "Rows of this split only: train, test or all.")
    private String split;

    private SplitOption(String defaultSplit) {
        this.split = defaultSplit;
    }

    public static SplitOption defaultingTo(String split) {
        return new SplitOption(split);
    }

    public String split() {
        return split;
    }
}
