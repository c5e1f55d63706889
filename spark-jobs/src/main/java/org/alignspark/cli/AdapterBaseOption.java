package org.alignspark.cli;

import picocli.CommandLine.Option;

/**
 * {@code --base-model} where a LoRA adapter folder is read: the base model folder under the adapter, when not the one
 * its adapter_config.json names (base_model_name_or_path, resolved against the adapter folder when relative).
 */
public final class AdapterBaseOption {
    @Option(names = "--base-model", paramLabel = "FOLDER",
            description = "HF model folder under the adapter (default: the adapter's base_model_name_or_path).")
    private String baseModel;

    /** The explicit base, or null to take the adapter's own. */
    public String baseModel() {
        return baseModel;
    }
}
