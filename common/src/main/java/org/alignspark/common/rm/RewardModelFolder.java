package org.alignspark.common.rm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.checkpoint.AdapterCheckpoint;
import org.alignspark.common.lm.checkpoint.CheckpointException;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.lm.checkpoint.SafeTensors;
import org.alignspark.common.tokenizer.Tokenizers;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A reward model on disk: the LM in the Hugging Face folder layout (config.json, model.safetensors), its tokenizer
 * files, and the head as {@code score.weight} in score.safetensors, so the folder also loads as a plain causal LM. A
 * reward model trained with LoRA is a PEFT SEQ_CLS adapter folder instead ({@link #saveAdapter}), with the same layout
 * and tokenizer files; {@link #load} reads either.
 */
public final class RewardModelFolder {
    public static final String HEAD_FILE = "score.safetensors";
    public static final String LAYOUT_FILE = "reward_layout.json";
    /** PEFT's task type of a reward model's adapter (sequence classification). */
    public static final String SEQ_CLS = "SEQ_CLS";
    /** The head's module, {@code score} as in *ForSequenceClassification; PEFT's SEQ_CLS default modules_to_save has it. */
    public static final String HEAD_MODULE = "score";
    private static final ObjectMapper JSON = new ObjectMapper();

    private RewardModelFolder() {}

    public static void save(RewardModel model, ModelFolder tokenizerSource, ModelFolder target) {
        save(model, RewardLayout.STANDARD, tokenizerSource, target);
    }

    public static void save(RewardModel model, RewardLayout layout, ModelFolder tokenizerSource, ModelFolder target) {
        if (model.lm().hasAdapters()) {
            throw new IllegalArgumentException("a reward model with LoRA adapters is saved as an adapter folder (saveAdapter)");
        }
        HfCheckpoint.save(model.lm(), target);
        try {
            writeHeadLayoutAndTokenizer(model, layout, tokenizerSource, target);
        } catch (IOException e) {
            throw new CheckpointException(target.location() + ": cannot write reward model: " + e.getMessage(), e);
        }
    }

    /**
     * As {@link #save}, into a staging folder renamed to {@code target} at once (merge-adapter's output: a reader sees
     * all of it or nothing).
     */
    public static void saveAtomically(RewardModel model, RewardLayout layout, ModelFolder tokenizerSource, ModelFolder target) {
        HfCheckpoint.saveAtomically(model.lm(), target, staged -> writeHeadLayoutAndTokenizer(model, layout, tokenizerSource, staged));
    }

    /**
     * A reward model whose LM carries LoRA adapters, as a PEFT SEQ_CLS adapter folder: adapter_config.json (task_type
     * SEQ_CLS, modules_to_save ["score"], base_model_name_or_path {@code base}) and adapter_model.safetensors with the
     * adapters and the whole head under PEFT's names ({@link RewardModel#PEFT_HEAD}), plus {@value #LAYOUT_FILE} and the
     * tokenizer files of {@code tokenizerSource}, so the folder is a reward model wherever one is read.
     */
    public static void saveAdapter(RewardModel model, RewardLayout layout, String base, ModelFolder tokenizerSource,
                                   ModelFolder target) {
        AdapterCheckpoint.save(model.lm(), target, base, SEQ_CLS, Map.of(RewardModel.HEAD, model.head()));
        try {
            writeLayout(layout, target);
            copyTokenizer(tokenizerSource, target);
        } catch (IOException e) {
            throw new CheckpointException(target.location() + ": cannot write reward model: " + e.getMessage(), e);
        }
    }

    private static void writeHeadLayoutAndTokenizer(RewardModel model, RewardLayout layout, ModelFolder tokenizerSource,
                                                    ModelFolder target) throws IOException {
        try (OutputStream out = target.create(HEAD_FILE)) {
            SafeTensors.write(Map.of(RewardModel.HEAD, model.head()), out);
        }
        writeLayout(layout, target);
        copyTokenizer(tokenizerSource, target);
    }

    private static void writeLayout(RewardLayout layout, ModelFolder target) throws IOException {
        Map<String, String> json = new LinkedHashMap<>();
        json.put("template", layout.name());
        if (layout.feedbackRequest() != null) {
            json.put("feedback_request", layout.feedbackRequest());
        }
        try (OutputStream out = target.create(LAYOUT_FILE)) {
            JSON.writerWithDefaultPrettyPrinter().writeValue(out, json);
        }
    }

    /** The reward model of a train-rm folder, or of a SEQ_CLS adapter folder on the base it names. */
    public static RewardModel load(String location, DataType dataType) {
        return load(location, null, dataType);
    }

    /**
     * The reward model at {@code location}: a reward model folder (the LM's HF files and {@value #HEAD_FILE}), or a PEFT
     * SEQ_CLS adapter folder, whose base is {@code explicitBase} when given, else its base_model_name_or_path (loaded
     * frozen), the adapters and the head (its {@code modules_to_save} {@code score}) on top.
     */
    public static RewardModel load(String location, String explicitBase, DataType dataType) {
        ModelFolder folder = ModelFolder.of(location);
        if (AdapterCheckpoint.isAdapter(folder)) {
            return loadAdapter(location, folder, explicitBase, dataType);
        }
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

    private static RewardModel loadAdapter(String location, ModelFolder folder, String explicitBase, DataType dataType) {
        AdapterCheckpoint.AdapterConfig config = AdapterCheckpoint.readConfig(folder);
        String file = folder.describe(AdapterCheckpoint.CONFIG);
        if (!SEQ_CLS.equals(config.taskType())) {
            throw new CheckpointException(file + ": task_type " + config.taskType() + " is not a reward model's (SEQ_CLS)");
        }
        if (!config.modulesToSave().contains(HEAD_MODULE)) {
            throw new CheckpointException(file + ": modules_to_save " + config.modulesToSave() + " has no \"" + HEAD_MODULE
                    + "\", the reward head");
        }
        AdapterCheckpoint.Loaded loaded = AdapterCheckpoint.loadWithModulesToSave(folder,
                AdapterCheckpoint.loadBase(location, config, explicitBase, dataType));
        INDArray head = loaded.modulesToSave().get(RewardModel.HEAD);
        if (head == null) {
            throw new CheckpointException(folder.describe(AdapterCheckpoint.WEIGHTS) + ": no tensor " + RewardModel.PEFT_HEAD);
        }
        if (loaded.modulesToSave().size() > 1) {
            throw new CheckpointException(folder.describe(AdapterCheckpoint.WEIGHTS) + ": only the head " + RewardModel.PEFT_HEAD
                    + " can be a module to save, not " + loaded.modulesToSave().keySet());
        }
        return new RewardModel(loaded.model(), head);
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
