package org.alignspark.common.models;

import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.tokenizer.ByteTokenizer;
import org.alignspark.common.tokenizer.Tokenizers;

/**
 * A freshly initialised model (GPT-2's initialisation) written as a Hugging Face folder with its tokenizer: the
 * starting point of every model alignspark trains from scratch ({@code init-model}, {@code train-sft --from-scratch}).
 */
public final class InitialModel {
    private InitialModel() {}

    public static boolean exists(String location) {
        try {
            return ModelFolder.of(location).exists(HfCheckpoint.CONFIG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new model in {@code location}, with the tokenizer of {@code tokenizerFolder} (null: the byte-level one). */
    public static CausalLM write(String location, String family, int dModel, int layers, int heads, int maxPositions, long seed,
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
                for (String file : Tokenizers.FILES) {
                    if (source.exists(file)) {
                        try (InputStream in = source.open(file); OutputStream out = folder.create(file)) {
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
