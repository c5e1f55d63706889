package org.alignspark.common.lm.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.lm.ModelFamily;
import org.nd4j.linalg.api.buffer.DataType;

/** {@link ModelConfig} to and from a Hugging Face {@code config.json} (model_type gpt2, llama or qwen2). */
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
                case LLAMA -> new SizeKeys("hidden_size", "num_hidden_layers", "num_attention_heads",
                        "intermediate_size", "max_position_embeddings", "rms_norm_eps");
            };
        }
    }

    private HfConfig() {
    }

    public static ModelConfig fromJson(JsonNode json, String file, DataType dataType) {
        String modelType = json.path("model_type").asText("");
        return switch (modelType) {
            case "gpt2" -> gpt2(json, file, dataType);
            case "llama", "qwen2" -> llama(json, file, dataType, modelType.equals("qwen2"));
            default -> throw new CheckpointException(file + ": unsupported model_type '" + modelType
                    + "' (supported: gpt2, llama, qwen2)");
        };
    }

    private static ModelConfig gpt2(JsonNode json, String file, DataType dataType) {
        String activation = json.path("activation_function").asText("gelu_new");
        if (!activation.equals("gelu_new") && !activation.equals("gelu_pytorch_tanh")) {
            throw new CheckpointException(file + ": unsupported GPT-2 activation_function '" + activation + "'");
        }
        if (json.path("scale_attn_by_inverse_layer_idx").asBoolean(false)
                || !json.path("scale_attn_weights").asBoolean(true)) {
            throw new CheckpointException(file + ": only GPT-2's standard 1/√d_head attention scaling is supported");
        }
        SizeKeys keys = SizeKeys.of(ModelFamily.GPT2);
        int d = required(json, keys.dModel(), file);
        int inner = json.hasNonNull(keys.dFf()) ? json.get(keys.dFf()).asInt() : 4 * d;
        int heads = required(json, keys.nHeads(), file);
        return new ModelConfig(ModelFamily.GPT2, required(json, "vocab_size", file), d,
                required(json, keys.nLayers(), file), heads, heads, inner, required(json, keys.maxPositions(), file),
                json.path(keys.normEps()).asDouble(1e-5), 10000.0,
                json.path("tie_word_embeddings").asBoolean(ModelFamily.GPT2.tiedEmbeddings()), false, false, null,
                dataType);
    }

    private static ModelConfig llama(JsonNode json, String file, DataType dataType, boolean qwen2) {
        String activation = json.path("hidden_act").asText("silu");
        if (!activation.equals("silu")) {
            throw new CheckpointException(file + ": unsupported hidden_act '" + activation + "'");
        }
        ModelConfig.RopeScaling ropeScaling = null;
        JsonNode scaling = json.get("rope_scaling");
        if (scaling != null && !scaling.isNull()) {
            String type = scaling.path("rope_type").asText(scaling.path("type").asText(""));
            if (!type.equals("llama3")) {
                throw new CheckpointException(file + ": rope_scaling " + scaling + " is not supported (only llama3)");
            }
            ropeScaling = new ModelConfig.RopeScaling(scaling.path("factor").asDouble(),
                    scaling.path("low_freq_factor").asDouble(), scaling.path("high_freq_factor").asDouble(),
                    scaling.path("original_max_position_embeddings").asInt());
        }
        if (json.path("use_sliding_window").asBoolean(false)) {
            throw new CheckpointException(file + ": sliding-window attention is not supported");
        }
        if (json.path("mlp_bias").asBoolean(false)) {
            throw new CheckpointException(file + ": mlp_bias is not supported");
        }
        SizeKeys keys = SizeKeys.of(ModelFamily.LLAMA);
        int d = required(json, keys.dModel(), file);
        int heads = required(json, keys.nHeads(), file);
        if (json.hasNonNull("head_dim") && json.get("head_dim").asInt() * heads != d) {
            throw new CheckpointException(file + ": head_dim " + json.get("head_dim")
                    + " × num_attention_heads " + heads + " ≠ hidden_size " + d);
        }
        boolean attentionBias = json.path("attention_bias").asBoolean(false);
        return new ModelConfig(ModelFamily.LLAMA, required(json, "vocab_size", file), d,
                required(json, keys.nLayers(), file), heads, json.path("num_key_value_heads").asInt(heads),
                required(json, keys.dFf(), file), required(json, keys.maxPositions(), file),
                json.path(keys.normEps()).asDouble(1e-6), json.path("rope_theta").asDouble(10000.0),
                json.path("tie_word_embeddings").asBoolean(ModelFamily.LLAMA.tiedEmbeddings()),
                qwen2 || attentionBias, !qwen2 && attentionBias, ropeScaling, dataType);
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
            case LLAMA -> {
                json.putArray("architectures").add(qwen2 ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
                json.put("model_type", qwen2 ? "qwen2" : "llama");
                json.put("hidden_act", "silu");
                json.put("num_key_value_heads", c.nKvHeads());
                json.put("head_dim", c.headDim());
                json.put("rope_theta", c.ropeTheta());
                if (!qwen2) {
                    json.put("attention_bias", c.qkvBias());
                }
                if (c.ropeScaling() != null) {
                    json.putObject("rope_scaling").put("rope_type", "llama3").put("factor", c.ropeScaling().factor())
                            .put("low_freq_factor", c.ropeScaling().lowFreqFactor())
                            .put("high_freq_factor", c.ropeScaling().highFreqFactor())
                            .put("original_max_position_embeddings", c.ropeScaling().originalMaxPositions());
                }
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
}
