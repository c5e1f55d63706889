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
        ByteTokenizer tokenizer = new ByteTokenizer();
        CausalLM lm = CausalLM.initialize(ModelConfig.gpt2(tokenizer.vocabSize(), 32, 2, 4, 256), seed);
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
