package org.alignspark.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.tokenizer.ByteTokenizer;

/** Tiny byte-level model folders for job tests: a few layers, the byte tokenizer, random weights. */
public final class TinyModels {
    private TinyModels() {}

    /** A GPT-2-family model folder (d=32, 2 layers, 4 heads, 256 positions) with the byte tokenizer. */
    public static Path gpt2(Path folder, long seed) {
        return write(folder, ModelConfig.gpt2(new ByteTokenizer().vocabSize(), 32, 2, 4, 256), seed);
    }

    /** A Llama-family model folder (d=32, 2 layers, 4 query heads over 2 kv heads, RoPE) with the byte tokenizer. */
    public static Path llama(Path folder, long seed) {
        return write(folder, ModelConfig.llama(new ByteTokenizer().vocabSize(), 32, 2, 4, 2, 64, 512), seed);
    }

    private static Path write(Path folder, ModelConfig config, long seed) {
        ByteTokenizer tokenizer = new ByteTokenizer();
        CausalLM lm = CausalLM.initialize(config, seed);
        ModelFolder target = ModelFolder.of(folder.toString());
        HfCheckpoint.save(lm, target);
        try {
            tokenizer.save(target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return folder;
    }
}
