package org.alignspark.common.rm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.checkpoint.CheckpointException;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.lm.checkpoint.SafeTensors;
import org.alignspark.common.tokenizer.Tokenizers;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A reward model on disk: the LM in the Hugging Face folder layout (config.json, model.safetensors), its tokenizer
 * files, and the head as {@code score.weight} in score.safetensors, so the folder also loads as a plain causal LM.
 */
public final class RewardModelFolder {
    public static final String HEAD_FILE = "score.safetensors";

    private RewardModelFolder() {}

    public static void save(RewardModel model, ModelFolder tokenizerSource, ModelFolder target) {
        HfCheckpoint.save(model.lm(), target);
        try {
            try (OutputStream out = target.create(HEAD_FILE)) {
                SafeTensors.write(Map.of(RewardModel.HEAD, model.parameters().get(RewardModel.HEAD)), out);
            }
            copyTokenizer(tokenizerSource, target);
        } catch (IOException e) {
            throw new CheckpointException(target.location() + ": cannot write reward model: " + e.getMessage(), e);
        }
    }

    public static RewardModel load(String location, DataType dataType) {
        ModelFolder folder = ModelFolder.of(location);
        CausalLM lm = HfCheckpoint.load(folder, dataType);
        try {
            if (!folder.exists(HEAD_FILE)) {
                throw new CheckpointException(folder.describe(HEAD_FILE) + ": missing (not a reward model folder)");
            }
            try (InputStream in = folder.open(HEAD_FILE)) {
                INDArray head = SafeTensors.read(in, folder.describe(HEAD_FILE), dataType).get(RewardModel.HEAD);
                if (head == null) {
                    throw new CheckpointException(folder.describe(HEAD_FILE) + ": no tensor " + RewardModel.HEAD);
                }
                return new RewardModel(lm, head);
            }
        } catch (IOException e) {
            throw new CheckpointException(folder.describe(HEAD_FILE) + ": " + e.getMessage(), e);
        }
    }

    /** Copies tokenizer.json and tokenizer_config.json (where present) so the folder is self-contained. */
    public static void copyTokenizer(ModelFolder from, ModelFolder to) throws IOException {
        for (String file : new String[]{Tokenizers.TOKENIZER, Tokenizers.TOKENIZER_CONFIG}) {
            if (from.exists(file)) {
                try (InputStream in = from.open(file); OutputStream out = to.create(file)) {
                    in.transferTo(out);
                }
            }
        }
    }
}
