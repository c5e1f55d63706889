package org.alignspark.common.lm.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.lm.ModelFamily;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@link ModelConfig} to and from a Hugging Face {@code config.json} (model_type gpt2, llama, qwen2, qwen3, mistral,
 * phi3 or gemma2). A model_type the engine does not know, and a key of a known one that asks for something the
 * engine does not implement (a rope_scaling type, sliding windows where the family has none, …), fail with the
 * file and the key.
 */
public final class HfConfig {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The keys under which a family's config.json stores the sizes every family has. GPT-2's file predates the
     * names later models share.
     */
    private record SizeKeys(String dModel, String nLayers, String nHeads, String dFf, String maxPositions,
                            String normEps) {
        static SizeKeys of(ModelFamily family) {
            return switch (family) {
                case GPT2 -> new SizeKeys("n_embd", "n_layer", "n_head", "n_inner", "n_positions",
                        "layer_norm_epsilon");
                case LLAMA, QWEN3, MISTRAL, PHI3, GEMMA2 -> new SizeKeys("hidden_size", "num_hidden_layers",
                        "num_attention_heads", "intermediate_size", "max_position_embeddings", "rms_norm_eps");
            };
        }
    }

    /** The model_types {@link #fromJson} reads. */
    public static final String SUPPORTED = "gpt2, llama, qwen2, qwen3, mistral, phi3, gemma2";

    private HfConfig() {
    }

    public static ModelConfig fromJson(JsonNode json, String file, DataType dataType) {
        String modelType = json.path("model_type").asText("");
        return switch (modelType) {
            case "gpt2" -> gpt2(json, file, dataType);
            case "llama" -> rotary(ModelFamily.LLAMA, json, file, dataType, false);
            case "qwen2" -> rotary(ModelFamily.LLAMA, json, file, dataType, true);
            case "qwen3" -> rotary(ModelFamily.QWEN3, json, file, dataType, false);
            case "mistral" -> rotary(ModelFamily.MISTRAL, json, file, dataType, false);
            case "phi3" -> rotary(ModelFamily.PHI3, json, file, dataType, false);
            case "gemma2" -> rotary(ModelFamily.GEMMA2, json, file, dataType, false);
            default -> throw new CheckpointException(file + ": unsupported model_type '" + modelType
                    + "' (supported: " + SUPPORTED + ")");
        };
    }

    private static ModelConfig gpt2(JsonNode json, String file, DataType dataType) {
        String activation = json.path("activation_function").asText("gelu_new");
        if (!activation.equals("gelu_new") && !activation.equals("gelu_pytorch_tanh")) {
            throw unsupported(file, "activation_function", "'" + activation + "' (only gelu_new)");
        }
        if (json.path("scale_attn_by_inverse_layer_idx").asBoolean(false)) {
            throw unsupported(file, "scale_attn_by_inverse_layer_idx", "true (only 1/√d_head attention scaling)");
        }
        if (!json.path("scale_attn_weights").asBoolean(true)) {
            throw unsupported(file, "scale_attn_weights", "false (only 1/√d_head attention scaling)");
        }
        SizeKeys keys = SizeKeys.of(ModelFamily.GPT2);
        int d = required(json, keys.dModel(), file);
        int inner = json.hasNonNull(keys.dFf()) ? json.get(keys.dFf()).asInt() : 4 * d;
        int heads = required(json, keys.nHeads(), file);
        if (d % heads != 0) {
            throw new CheckpointException(file + ": n_embd " + d + " is not a multiple of n_head " + heads);
        }
        return new ModelConfig(ModelFamily.GPT2, required(json, "vocab_size", file), d,
                required(json, keys.nLayers(), file), heads, heads, d / heads, inner,
                required(json, keys.maxPositions(), file),
                json.path(keys.normEps()).asDouble(1e-5), 10000.0,
                json.path("tie_word_embeddings").asBoolean(ModelFamily.GPT2.tiedEmbeddings()), false, false, null, 0,
                0, 0, 0, dataType);
    }

    /**
     * The RoPE families: Llama, Qwen2 (Llama with q/k/v biases and no o_proj bias, which HF hard-wires for qwen2)
     * Qwen3 (q/k norms), Mistral and Phi-3 (sliding_window in every layer; null for none) and Gemma 2 (sliding
     * window in the even layers, query_pre_attn_scalar, soft caps). Absent keys take the defaults of the model
     * type's config class in transformers.
     */
    private static ModelConfig rotary(ModelFamily family, JsonNode json, String file, DataType dataType,
                                      boolean qwen2) {
        boolean gemma = family.gemmaScaling();
        if (gemma) {   // Gemma2MLP reads hidden_activation; hidden_act is Gemma 1's key
            String activation = json.path("hidden_activation").asText("gelu_pytorch_tanh");
            if (!activation.equals("gelu_pytorch_tanh") && !activation.equals("gelu_new")) {
                throw unsupported(file, "hidden_activation", "'" + activation + "' (only gelu_pytorch_tanh)");
            }
            if (json.path("use_bidirectional_attention").asBoolean(false)) {
                throw unsupported(file, "use_bidirectional_attention", "true (only causal attention)");
            }
        } else {
            String activation = json.path("hidden_act").asText("silu");
            if (!activation.equals("silu")) {
                throw unsupported(file, "hidden_act", "'" + activation + "' (only silu)");
            }
        }
        if (json.path("mlp_bias").asBoolean(false)) {
            throw unsupported(file, "mlp_bias", "true");
        }
        if (json.path("use_sliding_window").asBoolean(false)) {
            throw unsupported(file, "use_sliding_window", "true (" + family.displayName()
                    + " is read without sliding-window layers)");
        }
        if (json.path("partial_rotary_factor").asDouble(1.0) != 1.0) {
            throw unsupported(file, "partial_rotary_factor", json.get("partial_rotary_factor") + " (only 1.0)");
        }
        SizeKeys keys = SizeKeys.of(family);
        int d = required(json, keys.dModel(), file);
        int heads = required(json, keys.nHeads(), file);
        int headDim = json.hasNonNull("head_dim") ? required(json, "head_dim", file) : gemma ? 256 : d / heads;
        if (!json.hasNonNull("head_dim") && !gemma && d % heads != 0) {
            throw new CheckpointException(file + ": hidden_size " + d + " is not a multiple of num_attention_heads "
                    + heads + " and there is no head_dim");
        }
        int window = 0;
        if (family.slidingLayers() != ModelFamily.SlidingLayers.NONE) {
            // MistralConfig and Gemma2Config default to 4096 when the key is absent, Phi3Config to none
            boolean defaultWindow = !json.has("sliding_window") && family != ModelFamily.PHI3;
            window = defaultWindow ? 4096
                    : json.hasNonNull("sliding_window") ? required(json, "sliding_window", file) : 0;
            if (json.hasNonNull("sliding_window") && window <= 0) {
                throw unsupported(file, "sliding_window", window + " (a window must be positive, or null)");
            }
        }
        // Mistral's and Phi-3's attention have no biases whatever the file says, as in HF's modules
        boolean attentionBias = family != ModelFamily.MISTRAL && family != ModelFamily.PHI3
                && json.path("attention_bias").asBoolean(false);
        ModelConfig config = new ModelConfig(family, required(json, "vocab_size", file), d,
                required(json, keys.nLayers(), file), heads, json.path("num_key_value_heads").asInt(heads), headDim,
                required(json, keys.dFf(), file), required(json, keys.maxPositions(), file),
                json.path(keys.normEps()).asDouble(1e-6), ropeTheta(json),
                json.path("tie_word_embeddings").asBoolean(family.tiedEmbeddings()),
                qwen2 || attentionBias, !qwen2 && attentionBias, ropeScaling(json, file), window,
                gemma ? positiveOrNone(json, "query_pre_attn_scalar", 256, file) : 0,
                gemma ? positiveOrNone(json, "attn_logit_softcapping", 50.0, file) : 0,
                gemma ? positiveOrNone(json, "final_logit_softcapping", 30.0, file) : 0, dataType);
        checkLayerTypes(json, config, file);
        return config;
    }

    /** layer_types, where the file has it, must be the layers the engine runs: sliding where the family slides. */
    private static void checkLayerTypes(JsonNode json, ModelConfig config, String file) {
        JsonNode layerTypes = json.path("layer_types");
        if (layerTypes.isMissingNode() || layerTypes.isNull()) {
            return;
        }
        boolean matches = layerTypes.isArray() && layerTypes.size() == config.nLayers();
        for (int l = 0; matches && l < config.nLayers(); l++) {
            String expected = config.slidingWindow(l) > 0 ? "sliding_attention" : "full_attention";
            matches = layerTypes.get(l).asText().equals(expected);
        }
        if (!matches) {
            String runs = switch (config.family().slidingLayers()) {
                case NONE -> "full_attention in every layer";
                case ALL -> config.slidingWindow() > 0 ? "sliding_attention in every layer"
                        : "full_attention in every layer (no sliding_window)";
                case EVEN -> config.slidingWindow() > 0 ? "sliding_attention in the even layers, full_attention in"
                        + " the odd ones" : "full_attention in every layer (no sliding_window)";
            };
            throw unsupported(file, "layer_types", layerTypes + " (" + config.family().displayName() + " runs "
                    + runs + ")");
        }
    }

    /** A positive number under {@code key}; {@code absent} where the key is missing, 0 (none) where it is null. */
    private static double positiveOrNone(JsonNode json, String key, double absent, String file) {
        if (!json.has(key)) {
            return absent;
        }
        if (json.get(key).isNull()) {
            return 0;
        }
        if (!json.get(key).isNumber() || json.get(key).asDouble() <= 0) {
            throw unsupported(file, key, json.get(key) + " (a positive number, or null)");
        }
        return json.get(key).asDouble();
    }

    /** rope_theta, at the top level or (newer files) inside rope_parameters. */
    private static double ropeTheta(JsonNode json) {
        JsonNode parameters = json.path("rope_parameters");
        return parameters.path("rope_theta").asDouble(json.path("rope_theta").asDouble(10000.0));
    }

    /** Llama 3's rope_scaling, null for none or "default"; any other type fails naming the key. */
    private static ModelConfig.RopeScaling ropeScaling(JsonNode json, String file) {
        String key = json.hasNonNull("rope_scaling") ? "rope_scaling" : "rope_parameters";
        JsonNode scaling = json.get(key);
        if (scaling == null || scaling.isNull()) {
            return null;
        }
        String type = scaling.path("rope_type").asText(scaling.path("type").asText("default"));
        if (type.equals("default")) {
            return null;
        }
        if (!type.equals("llama3")) {
            throw unsupported(file, key, scaling + " (rope_type " + type + "; only llama3)");
        }
        return new ModelConfig.RopeScaling(scaling.path("factor").asDouble(),
                scaling.path("low_freq_factor").asDouble(), scaling.path("high_freq_factor").asDouble(),
                scaling.path("original_max_position_embeddings").asInt());
    }

    private static CheckpointException unsupported(String file, String key, String value) {
        return new CheckpointException(file + ": " + key + " = " + value + " is not supported");
    }

    private static int required(JsonNode json, String key, String file) {
        if (!json.hasNonNull(key) || !json.get(key).canConvertToInt()) {
            throw new CheckpointException(file + ": missing integer field " + key);
        }
        return json.get(key).asInt();
    }

    /** The config.json Hugging Face would write for this model (qwen2 when q/k/v have biases and o has none). */
    public static ObjectNode toJson(ModelConfig c) {
        ObjectNode json = JSON.createObjectNode();
        boolean qwen2 = c.qkvBias() && !c.outProjBias();
        switch (c.family()) {
            case GPT2 -> {
                json.putArray("architectures").add("GPT2LMHeadModel");
                json.put("model_type", "gpt2");
                json.put("activation_function", "gelu_new");
            }
            case QWEN3 -> {
                json.putArray("architectures").add("Qwen3ForCausalLM");
                json.put("model_type", "qwen3");
                json.put("attention_bias", c.qkvBias());
                json.put("use_sliding_window", false);
            }
            case MISTRAL, PHI3 -> {
                boolean phi3 = c.family() == ModelFamily.PHI3;
                json.putArray("architectures").add(phi3 ? "Phi3ForCausalLM" : "MistralForCausalLM");
                json.put("model_type", phi3 ? "phi3" : "mistral");
                putPositiveOrNull(json, "sliding_window", c.slidingWindow());
            }
            case GEMMA2 -> {
                json.putArray("architectures").add("Gemma2ForCausalLM");
                json.put("model_type", "gemma2");
                json.put("hidden_activation", "gelu_pytorch_tanh");
                json.put("attention_bias", c.qkvBias());
                putPositiveOrNull(json, "query_pre_attn_scalar", c.queryPreAttnScalar());
                putPositiveOrNull(json, "attn_logit_softcapping", c.attnLogitSoftcap());
                putPositiveOrNull(json, "final_logit_softcapping", c.finalLogitSoftcap());
                putPositiveOrNull(json, "sliding_window", c.slidingWindow());
                var layerTypes = json.putArray("layer_types");
                for (int l = 0; l < c.nLayers(); l++) {
                    layerTypes.add(c.slidingWindow(l) > 0 ? "sliding_attention" : "full_attention");
                }
            }
            case LLAMA -> {
                json.putArray("architectures").add(qwen2 ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
                json.put("model_type", qwen2 ? "qwen2" : "llama");
                if (!qwen2) {
                    json.put("attention_bias", c.qkvBias());
                }
            }
        }
        if (c.family().positions() == ModelFamily.Positions.ROTARY) {
            json.put("hidden_act", c.family().gemmaScaling() ? "gelu_pytorch_tanh" : "silu");
            json.put("num_key_value_heads", c.nKvHeads());
            json.put("head_dim", c.headDim());
            json.put("rope_theta", c.ropeTheta());
            if (c.ropeScaling() != null) {
                json.putObject("rope_scaling").put("rope_type", "llama3").put("factor", c.ropeScaling().factor())
                        .put("low_freq_factor", c.ropeScaling().lowFreqFactor())
                        .put("high_freq_factor", c.ropeScaling().highFreqFactor())
                        .put("original_max_position_embeddings", c.ropeScaling().originalMaxPositions());
            }
        }
        SizeKeys keys = SizeKeys.of(c.family());
        json.put(keys.dModel(), c.dModel());
        json.put(keys.nLayers(), c.nLayers());
        json.put(keys.nHeads(), c.nHeads());
        json.put(keys.dFf(), c.dFf());
        json.put(keys.maxPositions(), c.maxPositions());
        json.put(keys.normEps(), c.normEps());
        json.put("vocab_size", c.vocabSize());
        json.put("tie_word_embeddings", c.tieWordEmbeddings());
        json.put("torch_dtype", "float32");
        return json;
    }

    /** value, written as an integer where it is one (sliding_window, query_pre_attn_scalar), or null for 0. */
    private static void putPositiveOrNull(ObjectNode json, String key, double value) {
        if (value <= 0) {
            json.putNull(key);
        } else if (value == Math.rint(value)) {
            json.put(key, (long) value);
        } else {
            json.put(key, value);
        }
    }
}
