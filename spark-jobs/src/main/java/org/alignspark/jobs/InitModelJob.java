package org.alignspark.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.tokenizer.ByteTokenizer;
import org.alignspark.common.tokenizer.Tokenizers;
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
        CausalLM model = write(output, family, dModel, layers, heads, maxPositions, seed, tokenizer);
        System.out.printf("%s: %s model, %,d parameters%n", output, family, model.parameters().count());
        return 0;
    }

    static boolean exists(String location) {
        try {
            return ModelFolder.of(location).exists(HfCheckpoint.CONFIG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new model in {@code location}, with the tokenizer of {@code tokenizerFolder} (null: the byte-level one). */
    static CausalLM write(String location, String family, int dModel, int layers, int heads, int maxPositions, long seed,
                          String tokenizerFolder) {
        int vocabSize = tokenizerFolder == null ? new ByteTokenizer().vocabSize()
                : Tokenizers.load(ModelFolder.of(tokenizerFolder)).vocabSize();
        ModelConfig config = switch (family) {
            case "gpt2" -> ModelConfig.gpt2(vocabSize, dModel, layers, heads, maxPositions);
            case "llama" -> ModelConfig.llama(vocabSize, dModel, layers, heads, heads, 4 * dModel, maxPositions);
            default -> throw new IllegalArgumentException("family must be gpt2 or llama, got '" + family + "'");
        };
        CausalLM model = CausalLM.initialize(config, seed);
        ModelFolder folder = ModelFolder.of(location);
        HfCheckpoint.save(model, folder);
        try {
            if (tokenizerFolder == null) {
                new ByteTokenizer().save(folder);
            } else {
                ModelFolder source = ModelFolder.of(tokenizerFolder);
                for (String file : new String[]{Tokenizers.TOKENIZER, Tokenizers.TOKENIZER_CONFIG}) {
                    if (source.exists(file)) {
                        try (java.io.InputStream in = source.open(file); java.io.OutputStream out = folder.create(file)) {
                            in.transferTo(out);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the tokenizer to " + location, e);
        }
        return model;
    }
}
