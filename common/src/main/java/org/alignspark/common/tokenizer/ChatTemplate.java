package org.alignspark.common.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alignspark.common.lm.checkpoint.CheckpointException;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.tokenizer.jinja.HuggingFaceJinja;
import org.alignspark.common.tokenizer.jinja.JinjaTemplateException;

/**
 * Renders a conversation as the text a chat model was trained on: the folder's Jinja {@code chat_template}, run as
 * {@code tokenizer.apply_chat_template} runs it (docs/design.md decision 11; {@link HuggingFaceJinja}), with the
 * tokenizer's special tokens, {@code messages}, {@code add_generation_prompt} and optional {@code tools} in the
 * context. The template comes, as transformers looks for it, from {@code chat_template.jinja}, else
 * {@code chat_template.json}, else {@code chat_template} in {@code tokenizer_config.json} (a string, or a list of
 * named templates of which {@code default} is used). Models alignspark trains from scratch with its
 * {@link ByteTokenizer} use the built-in {@link #BYTE} format.
 */
public final class ChatTemplate {
    public static final String TEMPLATE_FILE = "chat_template.jinja";
    public static final String TEMPLATE_JSON = "chat_template.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HuggingFaceJinja JINJA = new HuggingFaceJinja();
    private static final List<String> SPECIAL_TOKEN_KEYS = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token");

    /** For {@link ByteTokenizer}: {@code <|role|>content<|eos|>} per turn. */
    public static final ChatTemplate BYTE = new ChatTemplate(null, Map.of(), "alignspark byte chat format",
            Clock.systemDefaultZone());
    /** ChatML with no default system turn, as {@link WordLevelTokenizerWriter} writes it into its folders. */
    public static final String CHATML_SOURCE = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' "
            + "+ message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";
    public static final ChatTemplate CHATML = jinja(CHATML_SOURCE, Map.of(), "ChatML");

    private final String source;                  // null: the byte format
    private final HuggingFaceJinja.Prepared prepared;
    private final Map<String, Object> specialTokens;
    private final String origin;
    private final Clock clock;

    private ChatTemplate(String source, Map<String, Object> specialTokens, String origin, Clock clock) {
        this.source = source;
        this.prepared = source == null ? null : HuggingFaceJinja.prepare(source);
        this.specialTokens = specialTokens;
        this.origin = origin;
        this.clock = clock;
    }

    /** A Jinja chat template; {@code origin} names it in errors (a model folder's file, say). */
    public static ChatTemplate jinja(String source, Map<String, ?> specialTokens, String origin) {
        return new ChatTemplate(source, Map.copyOf(specialTokens), origin, Clock.systemDefaultZone());
    }

    /** The same template, with {@code strftime_now} reading {@code clock} (tests pin the date Llama-style templates print). */
    public ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(source, specialTokens, origin, clock);
    }

    /** Where the template came from, for messages. */
    public String origin() {
        return origin;
    }

    /** The Jinja source, or null for the built-in byte format. */
    public String source() {
        return source;
    }

    /** Whether the template marks assistant output with {@code {% generation %}} (transformers' assistant mask). */
    public boolean hasGenerationBlocks() {
        return source != null && source.matches("(?s).*\\{%-?\\s*generation\\s*-?%}.*");
    }

    /**
     * The folder's template: {@code chat_template.jinja}, {@code chat_template.json}, or {@code chat_template} in
     * tokenizer_config.json; {@link #BYTE} for a byte tokenizer without one. A folder with none fails.
     */
    public static ChatTemplate load(ModelFolder folder, Tokenizer tokenizer) {
        String file = Tokenizers.TOKENIZER_CONFIG;
        try {
            JsonNode config = Tokenizers.tokenizerConfig(folder);
            Map<String, Object> special = specialTokens(config);
            String source;
            if (folder.exists(TEMPLATE_FILE)) {
                file = TEMPLATE_FILE;
                try (InputStream in = folder.open(TEMPLATE_FILE)) {
                    source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            } else if (folder.exists(TEMPLATE_JSON)) {
                file = TEMPLATE_JSON;
                try (InputStream in = folder.open(TEMPLATE_JSON)) {
                    source = chosen(JSON.readTree(in).get("chat_template"));
                }
            } else {
                source = chosen(config.get("chat_template"));
            }
            if (source == null) {
                if (tokenizer instanceof ByteTokenizer) {
                    return BYTE;
                }
                throw new CheckpointException(folder.describe(Tokenizers.TOKENIZER_CONFIG) + ": no chat template ("
                        + TEMPLATE_FILE + ", " + TEMPLATE_JSON + " or chat_template in " + Tokenizers.TOKENIZER_CONFIG + ")");
            }
            return new ChatTemplate(source, special, folder.describe(file), Clock.systemDefaultZone());
        } catch (IOException | IllegalArgumentException e) {
            throw new CheckpointException(folder.describe(file) + ": " + e.getMessage(), e);
        }
    }

    /** A string, or the {@code default} of a list of {name, template} (transformers' named templates). */
    private static String chosen(JsonNode template) {
        if (template == null || template.isNull()) {
            return null;
        }
        if (template.isTextual()) {
            return template.asText();
        }
        if (template.isArray()) {
            List<String> names = new ArrayList<>();
            for (JsonNode t : template) {
                names.add(t.path("name").asText());
                if ("default".equals(t.path("name").asText())) {
                    return t.path("template").asText();
                }
            }
            throw new IllegalArgumentException("chat_template lists named templates " + names + " but none is 'default'");
        }
        throw new IllegalArgumentException("chat_template is neither a string nor a list of named templates");
    }

    /** transformers' special_tokens_map: the set special tokens, as strings. */
    private static Map<String, Object> specialTokens(JsonNode config) {
        Map<String, Object> tokens = new LinkedHashMap<>();
        for (String key : SPECIAL_TOKEN_KEYS) {
            String text = tokenText(config.get(key));
            if (text != null) {
                tokens.put(key, text);
            }
        }
        JsonNode additional = config.get("additional_special_tokens");
        if (additional != null && additional.isArray() && !additional.isEmpty()) {
            List<String> list = new ArrayList<>();
            additional.forEach(t -> list.add(tokenText(t)));
            tokens.put("additional_special_tokens", list);
        }
        return tokens;
    }

    private static String tokenText(JsonNode token) {
        if (token == null || token.isNull()) {
            return null;
        }
        return token.isTextual() ? token.asText() : token.path("content").asText(null);
    }

    /** The conversation's text; with {@code addGenerationPrompt}, followed by the opening of an assistant turn. */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        return renderTracked(messages, addGenerationPrompt, Map.of()).text();
    }

    /**
     * The rendering and its {@code {% generation %}} spans; {@code extra} adds context variables ({@code tools},
     * {@code enable_thinking}, …) as keyword arguments of apply_chat_template do.
     *
     * @throws ChatTemplateException naming the template and its line when the template fails or raises
     */
    public HuggingFaceJinja.Rendering renderTracked(List<Message> messages, boolean addGenerationPrompt,
                                                    Map<String, ?> extra) {
        if (source == null) {
            return new HuggingFaceJinja.Rendering(renderByte(messages, addGenerationPrompt), List.of());
        }
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("tools", null);
        context.put("documents", null);
        context.putAll(specialTokens);
        context.putAll(extra);
        List<Map<String, Object>> turns = new ArrayList<>(messages.size());
        for (Message m : messages) {
            Map<String, Object> turn = new LinkedHashMap<>();
            turn.put("role", m.role());
            turn.put("content", m.content());
            turns.add(turn);
        }
        context.put("messages", turns);
        context.put("add_generation_prompt", addGenerationPrompt);
        try {
            return JINJA.render(prepared, context, clock);
        } catch (JinjaTemplateException e) {
            throw new ChatTemplateException(origin + (e.line() > 0 ? " line " + e.line() : "") + ": " + e.getMessage());
        }
    }

    private static String renderByte(List<Message> messages, boolean addGenerationPrompt) {
        StringBuilder text = new StringBuilder();
        for (Message m : messages) {
            text.append(byteRole(m.role())).append(m.content()).append(ByteTokenizer.EOS);
        }
        if (addGenerationPrompt) {
            text.append(ByteTokenizer.ASSISTANT);
        }
        return text.toString();
    }

    private static String byteRole(String role) {
        return switch (role) {
            case "system" -> ByteTokenizer.SYSTEM;
            case "user" -> ByteTokenizer.USER;
            case "assistant" -> ByteTokenizer.ASSISTANT;
            default -> throw new IllegalArgumentException("the byte chat template has no role '" + role + "'");
        };
    }

    @Override
    public String toString() {
        return origin;
    }
}
