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
        checkFitsInMemory(family, vocabSize, dModel, layers, maxPositions);
        CausalLM model;
        try {
            model = CausalLM.initialize(config, seed);
        } catch (RuntimeException | OutOfMemoryError e) {
            if (String.valueOf(e.getMessage()).contains("bad_alloc") || e instanceof OutOfMemoryError) {
                throw new IllegalArgumentException(tooLarge(family, vocabSize, dModel, layers, maxPositions), e);
            }
            throw e;
        }
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

    /**
     * About how many parameters {@link #write} allocates: embeddings (and GPT-2's positions, Llama's untied head) plus
     * 12·d² per GPT-2 layer (attention 4d², MLP 8d²) or 16·d² per Llama layer (attention 4d², gated MLP 3·d·4d); norms
     * and biases are left out.
     */
    static long approximateParameters(String family, int vocabSize, int dModel, int layers, int maxPositions) {
        long d = dModel;
        return "llama".equals(family)
                ? 2L * vocabSize * d + 16L * layers * d * d
                : (long) (vocabSize + maxPositions) * d + 12L * layers * d * d;
    }

    /** Fails before allocating when the float32 parameters alone exceed the off-heap memory this JVM may use. */
    private static void checkFitsInMemory(String family, int vocabSize, int dModel, int layers, int maxPositions) {
        long bytes = 4 * approximateParameters(family, vocabSize, dModel, layers, maxPositions);
        long limit = org.bytedeco.javacpp.Pointer.maxBytes();
        if (limit > 0 && bytes > limit) {
            throw new IllegalArgumentException(tooLarge(family, vocabSize, dModel, layers, maxPositions));
        }
    }

    private static String tooLarge(String family, int vocabSize, int dModel, int layers, int maxPositions) {
        long parameters = approximateParameters(family, vocabSize, dModel, layers, maxPositions);
        return String.format(java.util.Locale.ROOT,
                "init-model: a %s model with --d-model %d and --layers %d has about %,d parameters (%.1f GiB in float32), "
                        + "more than this JVM's off-heap limit of %.1f GiB (org.bytedeco.javacpp.maxbytes): choose a smaller "
                        + "model or raise the limit", family, dModel, layers, parameters, 4.0 * parameters / (1L << 30),
                org.bytedeco.javacpp.Pointer.maxBytes() / (double) (1L << 30));
    }
}
