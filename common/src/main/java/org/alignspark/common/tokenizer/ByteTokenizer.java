package org.alignspark.common.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.alignspark.common.lm.checkpoint.ModelFolder;

/**
 * The tokenizer of models alignspark trains from scratch: one id per UTF-8 byte (0–255) plus special tokens for
 * padding, sequence boundaries and chat roles. Saved as a {@code tokenizer.json} whose model type is
 * {@value #MODEL_TYPE}, so its folders load like any Hugging Face folder.
 */
public final class ByteTokenizer implements Tokenizer {
    public static final String MODEL_TYPE = "alignspark-byte-level";
    public static final String PAD = "<|pad|>";
    public static final String BOS = "<|bos|>";
    public static final String EOS = "<|eos|>";
    public static final String SYSTEM = "<|system|>";
    public static final String USER = "<|user|>";
    public static final String ASSISTANT = "<|assistant|>";
    /** Special tokens in id order, from id 256. */
    public static final List<String> SPECIALS = List.of(PAD, BOS, EOS, SYSTEM, USER, ASSISTANT);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public int[] encode(String text) {
        List<Integer> out = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int special = specialAt(text, i);
            if (special >= 0) {
                out.add(256 + special);
                i += SPECIALS.get(special).length();
                continue;
            }
            int end = i + 1;
            while (end < text.length() && specialAt(text, end) < 0) {
                end++;
            }
            for (byte b : text.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                out.add(b & 0xff);
            }
            i = end;
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int specialAt(String text, int index) {
        if (text.charAt(index) != '<') {
            return -1;
        }
        for (int s = 0; s < SPECIALS.size(); s++) {
            if (text.startsWith(SPECIALS.get(s), index)) {
                return s;
            }
        }
        return -1;
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder text = new StringBuilder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            if (id < 0 || id >= vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the byte vocabulary");
            }
            if (id < 256) {
                bytes.write(id);
            } else {
                text.append(bytes.toString(StandardCharsets.UTF_8)).append(SPECIALS.get(id - 256));
                bytes.reset();
            }
        }
        return text.append(bytes.toString(StandardCharsets.UTF_8)).toString();
    }

    @Override
    public int vocabSize() {
        return 256 + SPECIALS.size();
    }

    @Override
    public int bosId() {
        return idOf(BOS);
    }

    @Override
    public int eosId() {
        return idOf(EOS);
    }

    @Override
    public int padId() {
        return idOf(PAD);
    }

    public int idOf(String special) {
        int index = SPECIALS.indexOf(special);
        if (index < 0) {
            throw new IllegalArgumentException("not a special token: " + special);
        }
        return 256 + index;
    }

    /** Writes tokenizer.json and tokenizer_config.json into {@code folder}. */
    public void save(ModelFolder folder) throws IOException {
        ObjectNode tokenizer = JSON.createObjectNode();
        tokenizer.put("version", "1.0");
        var added = tokenizer.putArray("added_tokens");
        for (String s : SPECIALS) {
            added.addObject().put("id", idOf(s)).put("content", s).put("special", true);
        }
        tokenizer.putObject("model").put("type", MODEL_TYPE).put("byte_ids", "0-255");
        try (OutputStream out = folder.create(Tokenizers.TOKENIZER)) {
            JSON.writeValue(out, tokenizer);
        }
        ObjectNode config = JSON.createObjectNode();
        config.put("tokenizer_class", "AlignsparkByteTokenizer");
        config.put("bos_token", BOS).put("eos_token", EOS).put("pad_token", PAD);
        try (OutputStream out = folder.create(Tokenizers.TOKENIZER_CONFIG)) {
            JSON.writeValue(out, config);
        }
    }

    static boolean describes(JsonNode tokenizerJson) {
        return MODEL_TYPE.equals(tokenizerJson.path("model").path("type").asText());
    }
}
