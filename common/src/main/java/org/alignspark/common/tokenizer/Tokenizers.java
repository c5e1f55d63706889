package org.alignspark.common.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.alignspark.common.lm.checkpoint.CheckpointException;
import org.alignspark.common.lm.checkpoint.ModelFolder;

/**
 * Loads the tokenizer of a model folder: alignspark's {@link ByteTokenizer} when {@code tokenizer.json} says so,
 * otherwise the Hugging Face tokenizer it describes, with special tokens named in {@code tokenizer_config.json}.
 */
public final class Tokenizers {
    public static final String TOKENIZER = "tokenizer.json";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    /** Every file of a folder's tokenizer and chat template: what a folder derived from it copies. */
    public static final List<String> FILES = List.of(TOKENIZER, TOKENIZER_CONFIG, ChatTemplate.TEMPLATE_FILE,
            ChatTemplate.TEMPLATE_JSON);
    private static final ObjectMapper JSON = new ObjectMapper();

    private Tokenizers() {
    }

    public static Tokenizer load(ModelFolder folder) {
        String file = folder.describe(TOKENIZER);
        try {
            if (!folder.exists(TOKENIZER)) {
                throw new CheckpointException(file + ": missing");
            }
            JsonNode json = readJson(folder, TOKENIZER);
            if (ByteTokenizer.describes(json)) {
                return new ByteTokenizer();
            }
            JsonNode config = tokenizerConfig(folder);
            Map<String, Integer> ids = new HashMap<>();
            json.path("model").path("vocab").fields().forEachRemaining(e -> ids.put(e.getKey(), e.getValue().asInt()));
            json.path("added_tokens").forEach(t -> ids.put(t.path("content").asText(), t.path("id").asInt()));
            int vocabSize = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
            Integer eos = ids.get(tokenText(config.get("eos_token")));
            if (eos == null) {
                throw new CheckpointException(folder.describe(TOKENIZER_CONFIG) + ": no eos_token found in " + TOKENIZER);
            }
            Integer bos = ids.getOrDefault(tokenText(config.get("bos_token")), eos);
            Integer pad = ids.getOrDefault(tokenText(config.get("pad_token")), eos);
            HuggingFaceTokenizer tokenizer;
            try (InputStream in = folder.open(TOKENIZER)) {
                tokenizer = HuggingFaceTokenizer.newInstance(in, Map.of());
            }
            return new HuggingFaceTokenizerAdapter(tokenizer, vocabSize, bos, eos, pad);
        } catch (IOException | RuntimeException e) {
            if (e instanceof CheckpointException c) {
                throw c;
            }
            throw new CheckpointException(file + ": cannot load tokenizer: " + e.getMessage(), e);
        }
    }

    /** tokenizer_config.json, or an empty object when the folder has none. */
    static JsonNode tokenizerConfig(ModelFolder folder) throws IOException {
        return folder.exists(TOKENIZER_CONFIG) ? readJson(folder, TOKENIZER_CONFIG) : JSON.createObjectNode();
    }

    private static JsonNode readJson(ModelFolder folder, String file) throws IOException {
        try (InputStream in = folder.open(file)) {
            return JSON.readTree(in);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CheckpointException(folder.describe(file) + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** A special token as tokenizer_config.json writes it: a string or {"content": string}. */
    private static String tokenText(JsonNode token) {
        if (token == null || token.isNull()) {
            return null;
        }
        return token.isTextual() ? token.asText() : token.path("content").asText(null);
    }
}
