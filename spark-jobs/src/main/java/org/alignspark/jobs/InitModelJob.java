package org.alignspark.jobs;

import java.util.concurrent.Callable;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.models.InitialModel;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code init-model}: writes a freshly initialised byte-level model (GPT-2's initialisation) in the Hugging Face
 * folder layout, with the byte tokenizer: the starting point of models alignspark trains from scratch.
 */
@Command(name = "init-model", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Write a new randomly initialised byte-level GPT-2 or Llama model folder.")
public final class InitModelJob implements Callable<Integer> {
    @Option(names = "--family", defaultValue = "gpt2", description = "gpt2 or llama.")
    String family;

    @Option(names = "--d-model", defaultValue = "64", description = "Hidden size.")
    int dModel;

    @Option(names = "--layers", defaultValue = "2", description = "Transformer blocks.")
    int layers;

    @Option(names = "--heads", defaultValue = "4", description = "Attention heads (Llama: also key/value heads).")
    int heads;

    @Option(names = "--max-positions", defaultValue = "512", description = "Context length.")
    int maxPositions;

    @Option(names = "--seed", defaultValue = "42", description = "Initialisation seed.")
    long seed;

    @Option(names = "--output", required = true, description = "Model folder to write (any Hadoop path).")
    String output;

    @Option(names = "--tokenizer", description = "Folder whose tokenizer.json / tokenizer_config.json the model uses (default: byte-level).")
    String tokenizer;

    @Override
    public Integer call() {
        CausalLM model = InitialModel.write(output, family, dModel, layers, heads, maxPositions, seed, tokenizer);
        System.out.printf("%s: %s model, %,d parameters%n", output, family, model.parameters().count());
        return 0;
    }
}
