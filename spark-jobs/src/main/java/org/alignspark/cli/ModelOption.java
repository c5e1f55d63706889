package org.alignspark.cli;

import picocli.CommandLine.Option;

/** {@code --base-model}: the HF model folder a trainer starts from. */
public final class ModelOption {
    @Option(names = "--base-model", required = true, paramLabel = "FOLDER",
            description = "HF model folder (config, weights, tokenizer) to start from.")
    private String baseModel;

    public String baseModel() {
        return baseModel;
    }
}
