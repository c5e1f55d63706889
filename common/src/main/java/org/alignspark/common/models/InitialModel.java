package org.alignspark.common.models;

import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.lm.ModelFamily;
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
        int vocabSize = tokenizerVocab(tokenizerFolder);
        ModelConfig config = switch (family) {
            case "gpt2" -> ModelConfig.gpt2(vocabSize, dModel, layers, heads, maxPositions);
            case "llama" -> ModelConfig.llama(vocabSize, dModel, layers, heads, heads, 4 * dModel, maxPositions);
            default -> throw new IllegalArgumentException("family must be gpt2 or llama, got '" + family + "'");
        };
        return write(location, config, seed, tokenizerFolder);
    }

    /**
     * A new model of {@code config}'s architecture (a published model's config.json, say: its shape with random
     * weights) in {@code location}, with the tokenizer of {@code tokenizerFolder} (null: the byte-level one), whose
     * tokens must fit the config's vocabulary (a larger vocabulary is fine: its extra rows are never looked up, as the
     * padded vocabularies of published models).
     */
    public static CausalLM write(String location, ModelConfig config, long seed, String tokenizerFolder) {
        int tokens = tokenizerVocab(tokenizerFolder);
        if (tokens > config.vocabSize()) {
            throw new IllegalArgumentException("init-model: the tokenizer has " + tokens + " tokens, more than the model's vocab_size "
                    + config.vocabSize());
        }
        checkFitsInMemory(config);
        CausalLM model;
        try {
            model = CausalLM.initialize(CausalLM.frozen(config), seed);   // saved, not trained here: no gradient buffers
        } catch (RuntimeException | OutOfMemoryError e) {
            if (String.valueOf(e.getMessage()).contains("bad_alloc") || e instanceof OutOfMemoryError) {
                throw new IllegalArgumentException(tooLarge(config), e);
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

    private static int tokenizerVocab(String tokenizerFolder) {
        return tokenizerFolder == null ? new ByteTokenizer().vocabSize() : Tokenizers.load(ModelFolder.of(tokenizerFolder)).vocabSize();
    }

    /**
     * About how many parameters a model of {@code c} has: the embeddings (with GPT-2's positions and an untied head)
     * plus, per layer, the attention's projections (d · heads · head_dim for queries and output, d · kv_heads · head_dim
     * for keys and values) and the MLP's (GPT-2's two d · d_ff, the gated families' three); norms and biases are left out.
     */
    static long approximateParameters(ModelConfig c) {
        long d = c.dModel();
        long embeddings = (long) c.vocabSize() * d * (c.tieWordEmbeddings() ? 1 : 2)
                + (c.family() == ModelFamily.GPT2 ? (long) c.maxPositions() * d : 0);
        long attention = 2L * d * c.nHeads() * c.headDim() + 2L * d * c.nKvHeads() * c.headDim();
        long mlp = (c.family() == ModelFamily.GPT2 ? 2L : 3L) * d * c.dFf();
        return embeddings + c.nLayers() * (attention + mlp);
    }

    /** Fails before allocating when the float32 parameters alone exceed the off-heap memory this JVM may use. */
    private static void checkFitsInMemory(ModelConfig config) {
        long bytes = 4 * approximateParameters(config);
        long limit = org.bytedeco.javacpp.Pointer.maxBytes();
        if (limit > 0 && bytes > limit) {
            throw new IllegalArgumentException(tooLarge(config));
        }
    }

    private static String tooLarge(ModelConfig c) {
        long parameters = approximateParameters(c);
        return String.format(java.util.Locale.ROOT,
                "init-model: a %s model with d_model %d and %d layers has about %,d parameters (%.1f GiB in float32), "
                        + "more than this JVM's off-heap limit of %.1f GiB (org.bytedeco.javacpp.maxbytes): choose a smaller "
                        + "model or raise the limit", c.family().displayName(), c.dModel(), c.nLayers(), parameters,
                4.0 * parameters / (1L << 30), org.bytedeco.javacpp.Pointer.maxBytes() / (double) (1L << 30));
    }
}
