package org.alignspark.cli;

import java.util.List;

import picocli.CommandLine.Option;

/**
 * {@code --split}: which rows of the input a job reads, by the split column every table carries. The default is the
 * job's: trainers read train, evaluations test, samplers all.
 */
public final class SplitOption {
    private static final List<String> SPLITS = List.of("train", "test", "all");

    @Option(names = "--split", description = "Rows of this split only: train, test or all.")
    private String split;

    /** @param defaultSplit the job's default */
    public SplitOption(String defaultSplit) {
        this.split = defaultSplit;
    }

    /** The split, checked: a job fails on an unknown one before it reads anything. */
    public String split() {
        OptionChecks.require(SPLITS.contains(split), "--split must be train, test or all, got '" + split + "'");
        return split;
    }
}
