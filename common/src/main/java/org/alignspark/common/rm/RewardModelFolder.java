package org.alignspark.common.rm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
    public static final String LAYOUT_FILE = "reward_layout.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private RewardModelFolder() {}

    public static void save(RewardModel model, ModelFolder tokenizerSource, ModelFolder target) {
        save(model, RewardLayout.STANDARD, tokenizerSource, target);
    }

    public static void save(RewardModel model, RewardLayout layout, ModelFolder tokenizerSource, ModelFolder target) {
        HfCheckpoint.save(model.lm(), target);
        try {
            try (OutputStream out = target.create(HEAD_FILE)) {
                SafeTensors.write(Map.of(RewardModel.HEAD, model.parameters().get(RewardModel.HEAD)), out);
            }
            Map<String, String> json = new LinkedHashMap<>();
            json.put("template", layout.name());
            if (layout.feedbackRequest() != null) {
                json.put("feedback_request", layout.feedbackRequest());
            }
            try (OutputStream out = target.create(LAYOUT_FILE)) {
                JSON.writerWithDefaultPrettyPrinter().writeValue(out, json);
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

    /** The layout the reward model at {@code location} reads its input in; standard where the folder names none. */
    public static RewardLayout layout(String location) {
        ModelFolder folder = ModelFolder.of(location);
        try {
            if (!folder.exists(LAYOUT_FILE)) {
                return RewardLayout.STANDARD;
            }
            try (InputStream in = folder.open(LAYOUT_FILE)) {
                JsonNode json = JSON.readTree(in);
                JsonNode template = json == null ? null : json.get("template");
                if (template == null || !template.isTextual()) {
                    throw new CheckpointException(folder.describe(LAYOUT_FILE) + ": no \"template\" string");
                }
                JsonNode request = json.get("feedback_request");
                return RewardLayout.of(template.asText(), request == null ? null : request.asText());
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new CheckpointException(folder.describe(LAYOUT_FILE) + ": " + e.getMessage(), e);
        }
    }

    /**
     * The layout a reward model trained on from {@code initFolder} reads: that folder's own, since its head only means
     * something in it; {@code asked} (null: not given) must agree. With no folder to start from, {@code asked} or standard.
     */
    public static RewardLayout layout(String initFolder, RewardLayout asked) {
        if (initFolder == null) {
            return asked == null ? RewardLayout.STANDARD : asked;
        }
        RewardLayout initial = layout(initFolder);
        if (asked != null && !asked.equals(initial)) {
            throw new IllegalArgumentException(initFolder + " reads the " + initial.name() + " layout"
                    + (initial.feedbackRequest() == null ? "" : " (feedback request '" + initial.feedbackRequest() + "')")
                    + "; --template " + asked.name() + " would show its head other features");
        }
        return initial;
    }

    /** Copies the tokenizer and chat-template files (where present) so the folder is self-contained. */
    public static void copyTokenizer(ModelFolder from, ModelFolder to) throws IOException {
        for (String file : Tokenizers.FILES) {
            if (from.exists(file)) {
                try (InputStream in = from.open(file); OutputStream out = to.create(file)) {
                    in.transferTo(out);
                }
            }
        }
    }
}
