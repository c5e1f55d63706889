package org.alignspark.common.lm.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.LoraConfig;
import org.alignspark.common.lm.ModelFamily;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * LoRA adapter folders in PEFT's on-disk format, so adapters move to and from the Python world:
 * {@code adapter_config.json} (peft_type LORA, r, lora_alpha, lora_dropout, target_modules, bias "none", task_type,
 * fan_in_fan_out, modules_to_save, base_model_name_or_path) and {@code adapter_model.safetensors}, whose tensors PEFT's
 * {@code get_peft_model_state_dict} names {@code base_model.model.<module path>.lora_A.weight} [r, in] and
 * {@code .lora_B.weight} [out, r] (the adapter name "default" stripped), the module path being the Hugging Face
 * model's ({@code model.layers.0.self_attn.q_proj}; GPT2LMHeadModel's {@code transformer.h.0.attn.c_attn}). Tensors
 * of {@code modules_to_save} (a reward model's score head) are stored whole as {@code base_model.model.<name>}.
 */
public final class AdapterCheckpoint {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    /** What PEFT's {@code get_peft_model_state_dict} puts before a module path (the adapter name "default" stripped). */
    public static final String PEFT_PREFIX = "base_model.model.";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private AdapterCheckpoint() {
    }

    /**
     * What {@code adapter_config.json} says.
     *
     * @param taskType      PEFT's task type: CAUSAL_LM, or SEQ_CLS for a reward model
     * @param modulesToSave modules stored and trained whole (a reward model's {@code score}), empty for none
     */
    public record AdapterConfig(LoraConfig lora, String baseModelNameOrPath, String taskType, boolean fanInFanOut,
                                List<String> modulesToSave) {
        public AdapterConfig {
            modulesToSave = List.copyOf(modulesToSave);
        }
    }

    /** Whether {@code folder} holds a PEFT adapter rather than a whole model. */
    public static boolean isAdapter(ModelFolder folder) {
        try {
            return folder.exists(CONFIG);
        } catch (IOException e) {
            throw new CheckpointException(folder.describe(CONFIG) + ": " + e.getMessage(), e);
        }
    }

    /** Whether the folder at {@code location} holds a PEFT adapter. */
    public static boolean isAdapter(String location) {
        return isAdapter(ModelFolder.of(location));
    }

    public static AdapterConfig readConfig(ModelFolder folder) {
        String file = folder.describe(CONFIG);
        JsonNode json;
        try (InputStream in = folder.open(CONFIG)) {
            json = JSON.readTree(in);
        } catch (IOException e) {
            throw new CheckpointException(file + ": " + e.getMessage(), e);
        }
        String peftType = text(json, "peft_type", null);
        if (!"LORA".equals(peftType)) {
            throw new CheckpointException(file + ": peft_type " + peftType + " is not supported (only LORA)");
        }
        String bias = text(json, "bias", "none");
        if (!bias.equals("none")) {
            throw new CheckpointException(file + ": bias \"" + bias + "\" is not supported (only \"none\")");
        }
        for (String unsupported : List.of("use_rslora", "use_dora")) {
            if (json.path(unsupported).asBoolean(false)) {
                throw new CheckpointException(file + ": " + unsupported + " is not supported");
            }
        }
        for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
            if (json.path(pattern).size() > 0) {
                throw new CheckpointException(file + ": " + pattern + " is not supported (one r and alpha for all)");
            }
        }
        if (!json.path("layers_to_transform").isNull() && !json.path("layers_to_transform").isMissingNode()) {
            throw new CheckpointException(file + ": layers_to_transform is not supported");
        }
        JsonNode targets = json.path("target_modules");
        if (!targets.isArray()) {
            throw new CheckpointException(file + ": target_modules must be a list of module names"
                    + (targets.isTextual() ? " (a regular expression, \"" + targets.asText() + "\", is not supported)"
                    : ""));
        }
        List<String> targetModules = new ArrayList<>();
        targets.forEach(t -> targetModules.add(t.asText()));
        List<String> modulesToSave = new ArrayList<>();
        json.path("modules_to_save").forEach(m -> modulesToSave.add(m.asText()));
        if (!json.path("r").canConvertToInt() || !json.path("lora_alpha").isNumber()) {
            throw new CheckpointException(file + ": r and lora_alpha must be numbers");
        }
        try {
            LoraConfig lora = new LoraConfig(json.path("r").asInt(), json.path("lora_alpha").asDouble(),
                    json.path("lora_dropout").asDouble(0.0), targetModules);
            return new AdapterConfig(lora, text(json, "base_model_name_or_path", null),
                    text(json, "task_type", "CAUSAL_LM"), json.path("fan_in_fan_out").asBoolean(false), modulesToSave);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": " + e.getMessage());
        }
    }

    private static String text(JsonNode json, String key, String otherwise) {
        JsonNode value = json.get(key);
        return value == null || value.isNull() ? otherwise : value.asText();
    }

    /**
     * The base model's location: {@code explicitBase} when given, else the config's base_model_name_or_path, a path
     * relative to the adapter folder when it is not absolute (so a folder moved with its base keeps working).
     */
    public static String baseLocation(String adapterLocation, AdapterConfig config, String explicitBase) {
        if (explicitBase != null && !explicitBase.isBlank()) {
            return explicitBase;
        }
        String base = config.baseModelNameOrPath();
        if (base == null || base.isBlank()) {
            throw new CheckpointException(adapterLocation + "/" + CONFIG
                    + ": no base_model_name_or_path; name the base model explicitly (--base-model)");
        }
        URI uri = URI.create(base.replace(" ", "%20"));
        boolean absolute = uri.getScheme() != null || base.startsWith("/");
        if (absolute) {
            return base;
        }
        URI adapter = URI.create(adapterLocation.replace(" ", "%20"));
        if (adapter.getScheme() == null || adapter.getScheme().length() == 1) {
            return Path.of(adapterLocation).resolve(base).normalize().toString();
        }
        String folder = adapterLocation.endsWith("/") ? adapterLocation : adapterLocation + "/";
        return URI.create(folder.replace(" ", "%20")).resolve(uri).toString();
    }

    /**
     * The folder whose tokenizer files serve {@code location}: itself, unless it is an adapter folder without a
     * tokenizer, whose base's then serve it.
     */
    public static String tokenizerLocation(String location) {
        ModelFolder folder = ModelFolder.of(location);
        try {
            if (!isAdapter(folder) || folder.exists("tokenizer.json") || folder.exists("tokenizer_config.json")) {
                return location;
            }
        } catch (IOException e) {
            throw new CheckpointException(location + ": " + e.getMessage(), e);
        }
        return baseLocation(location, readConfig(folder), null);
    }

    /** Base + adapter from an adapter folder: the base loaded frozen from {@link #baseLocation}. */
    public static CausalLM load(String adapterLocation, String explicitBase, DataType dataType) {
        ModelFolder folder = ModelFolder.of(adapterLocation);
        return load(folder, loadBase(adapterLocation, readConfig(folder), explicitBase, dataType));
    }

    /**
     * The frozen base an adapter folder's {@code config} names ({@link #baseLocation}); fails clearly where that folder
     * holds no model.
     */
    public static CausalLM loadBase(String adapterLocation, AdapterConfig config, String explicitBase, DataType dataType) {
        String base = baseLocation(adapterLocation, config, explicitBase);
        ModelFolder baseFolder = ModelFolder.of(base);
        try {
            if (!baseFolder.exists(HfCheckpoint.CONFIG)) {
                throw new CheckpointException(ModelFolder.of(adapterLocation).describe(CONFIG) + ": base model " + base
                        + " has no " + HfCheckpoint.CONFIG + " (alignspark reads local or Hadoop folders, not Hub ids; "
                        + "give --base-model)");
            }
        } catch (IOException e) {
            throw new CheckpointException(base + ": " + e.getMessage(), e);
        }
        return HfCheckpoint.load(baseFolder, dataType, true);
    }

    /**
     * The adapter of {@code folder} on {@code base} (shared, not copied): a new model whose parameters are A, B. The
     * whole tensors of its {@code modules_to_save} are not read into it: a reward model's adapter folder loads as its
     * LM, as a reward model folder does.
     */
    public static CausalLM load(ModelFolder folder, CausalLM base) {
        return loadWithModulesToSave(folder, base).model();
    }

    /**
     * As {@link #load(ModelFolder, CausalLM)}, also filling {@code modulesToSave} (Hugging Face name → array) from the
     * file's whole tensors of those modules.
     */
    public static CausalLM load(ModelFolder folder, CausalLM base, Map<String, INDArray> modulesToSave) {
        Loaded loaded = loadWithModulesToSave(folder, base);
        String file = folder.describe(WEIGHTS);
        for (String name : loaded.modulesToSave().keySet()) {
            if (!modulesToSave.containsKey(name)) {
                throw new CheckpointException(file + ": unexpected tensor " + PEFT_PREFIX + name);
            }
        }
        for (Map.Entry<String, INDArray> e : modulesToSave.entrySet()) {
            INDArray value = loaded.modulesToSave().get(e.getKey());
            if (value == null) {
                throw new CheckpointException(file + ": missing tensor " + PEFT_PREFIX + e.getKey() + " (expected "
                        + Arrays.toString(e.getValue().shape()) + ")");
            }
            if (!Arrays.equals(value.shape(), e.getValue().shape())) {
                throw new CheckpointException(file + ": tensor " + PEFT_PREFIX + e.getKey() + " has shape "
                        + Arrays.toString(value.shape()) + ", expected " + Arrays.toString(e.getValue().shape()));
            }
            e.getValue().assign(value);
        }
        return loaded.model();
    }

    /**
     * An adapter on its base, and the whole tensors of its {@code modules_to_save} (Hugging Face name, e.g.
     * {@code score.weight}, → the array as stored).
     */
    public record Loaded(CausalLM model, Map<String, INDArray> modulesToSave) {}

    /**
     * The adapter of {@code folder} on {@code base} (shared, not copied), with the file's tensors of the config's
     * {@code modules_to_save} as they are stored: PEFT's {@code get_peft_model_state_dict} saves a
     * {@code ModulesToSaveWrapper}'s trained copy of module {@code m} as {@code base_model.model.<m>.<tensor>} (the
     * {@code modules_to_save.default} part stripped), e.g. a SEQ_CLS model's head as {@code base_model.model.score.weight}.
     */
    public static Loaded loadWithModulesToSave(ModelFolder folder, CausalLM base) {
        AdapterConfig config = readConfig(folder);
        ModelFamily family = base.config().family();
        if (config.fanInFanOut() != family.fanInFanOut() && !family.fanInFanOut()) {
            throw new CheckpointException(folder.describe(CONFIG) + ": fan_in_fan_out is true but "
                    + family.displayName() + " stores its weights [out, in]");
        }
        CausalLM model;
        try {
            model = base.withLora(config.lora(), 0);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(folder.describe(CONFIG) + ": " + e.getMessage());
        }
        Map<String, INDArray> tensors;
        String file = folder.describe(WEIGHTS);
        try (InputStream in = folder.open(WEIGHTS)) {
            tensors = SafeTensors.read(in, file, base.config().dataType());
        } catch (IOException e) {
            throw new CheckpointException(file + ": " + e.getMessage(), e);
        }
        Map<String, INDArray> expected = model.parameters().values();        // named as PEFT names them
        Map<String, INDArray> saved = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            String name = e.getKey();
            if (expected.containsKey(name)) {
                continue;
            }
            String module = name.startsWith(PEFT_PREFIX) ? name.substring(PEFT_PREFIX.length()) : null;
            if (module != null && config.modulesToSave().stream().anyMatch(m -> module.startsWith(m + "."))) {
                saved.put(module, e.getValue());
                continue;
            }
            throw new CheckpointException(file + ": unexpected tensor " + name + " for target_modules "
                    + config.lora().targetModules() + " and modules_to_save " + config.modulesToSave() + " on a "
                    + family.displayName() + " model of " + base.config().nLayers() + " layers");
        }
        for (Map.Entry<String, INDArray> e : expected.entrySet()) {
            INDArray value = tensors.get(e.getKey());
            if (value == null) {
                throw new CheckpointException(file + ": missing tensor " + e.getKey() + " (expected "
                        + Arrays.toString(e.getValue().shape()) + ")");
            }
            if (!Arrays.equals(value.shape(), e.getValue().shape())) {
                throw new CheckpointException(file + ": tensor " + e.getKey() + " has shape "
                        + Arrays.toString(value.shape()) + " but the base model implies "
                        + Arrays.toString(e.getValue().shape()));
            }
            e.getValue().assign(value);
        }
        return new Loaded(model, saved);
    }

    /**
     * Writes adapter_config.json and adapter_model.safetensors (float32) of {@code model}'s adapters, plus the whole
     * tensors of {@code modulesToSave} (Hugging Face name → array, e.g. a reward model's {@code score.weight}).
     */
    public static void save(CausalLM model, ModelFolder folder, String baseModelNameOrPath, String taskType,
                            Map<String, INDArray> modulesToSave) {
        LoraConfig lora = model.lora();
        ModelFamily family = model.config().family();
        ObjectNode config = JSON.createObjectNode();
        config.put("base_model_name_or_path", baseModelNameOrPath);
        config.put("bias", "none");
        config.put("fan_in_fan_out", family.fanInFanOut());
        config.put("inference_mode", true);
        config.put("init_lora_weights", true);
        config.putNull("layers_to_transform");
        config.put("lora_alpha", lora.alpha());
        config.put("lora_dropout", lora.dropout());
        List<String> saved = modulesToSave.keySet().stream()
                .map(n -> n.endsWith(".weight") || n.endsWith(".bias") ? n.substring(0, n.lastIndexOf('.')) : n)
                .distinct().toList();
        if (saved.isEmpty()) {
            config.putNull("modules_to_save");
        } else {
            ArrayNode m = config.putArray("modules_to_save");
            saved.forEach(m::add);
        }
        config.put("peft_type", "LORA");
        config.put("r", lora.r());
        ArrayNode targets = config.putArray("target_modules");
        lora.targetsFor(family).forEach(targets::add);
        config.put("task_type", taskType);
        config.put("use_dora", false);
        config.put("use_rslora", false);
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.putAll(model.parameters().values());

        modulesToSave.forEach((name, value) -> tensors.put(PEFT_PREFIX + name, value));
        try {
            try (OutputStream out = folder.create(CONFIG)) {
                JSON.writeValue(out, config);
            }
            try (OutputStream out = folder.create(WEIGHTS)) {
                SafeTensors.write(tensors, out);
            }
        } catch (IOException e) {
            throw new CheckpointException(folder.location() + ": cannot write adapter: " + e.getMessage(), e);
        }
    }

    /** As {@link #save}, into a staging folder renamed to {@code target} at once (a reader sees all or nothing). */
    public static void saveAtomically(CausalLM model, ModelFolder target, String baseModelNameOrPath, String taskType,
                                      Map<String, INDArray> modulesToSave, HfCheckpoint.FolderWriter... extras) {
        try {
            ModelFolder staged = target.staging();
            save(model, staged, baseModelNameOrPath, taskType, modulesToSave);
            for (HfCheckpoint.FolderWriter extra : extras) {
                extra.writeTo(staged);
            }
            target.moveFrom(staged);
        } catch (IOException e) {
            throw new CheckpointException(target.location() + ": cannot publish adapter: " + e, e);
        }
    }
}
