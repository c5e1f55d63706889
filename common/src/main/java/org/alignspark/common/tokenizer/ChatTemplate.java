package org.alignspark.common.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import org.alignspark.common.lm.checkpoint.CheckpointException;
import org.alignspark.common.lm.checkpoint.ModelFolder;

/**
 * Renders a conversation as the text a chat model was trained on. Jinja templates cannot run here, so the
 * template in {@code tokenizer_config.json} is recognised by its markers and rendered by a built-in equivalent:
 * {@code <|im_start|>} → ChatML (Qwen, many fine-tunes), {@code <|start_header_id|>} → Llama 3.
 */
public final class ChatTemplate {
    public enum Format { CHATML, LLAMA3, BYTE }

    public static final ChatTemplate CHATML = new ChatTemplate(Format.CHATML);
    public static final ChatTemplate LLAMA3 = new ChatTemplate(Format.LLAMA3);
    /** For {@link ByteTokenizer}: {@code <|role|>content<|eos|>} per turn. */
    public static final ChatTemplate BYTE = new ChatTemplate(Format.BYTE);

    private final Format format;

    private ChatTemplate(Format format) {
        this.format = format;
    }

    public Format format() {
        return format;
    }

    /** The built-in template equivalent to a Jinja {@code chat_template}. */
    public static ChatTemplate recognize(String jinja) {
        if (jinja.contains("<|im_start|>")) {
            return CHATML;
        }
        if (jinja.contains("<|start_header_id|>")) {
            return LLAMA3;
        }
        throw new IllegalArgumentException("chat_template is neither ChatML (<|im_start|>) nor Llama 3 "
                + "(<|start_header_id|>)");
    }

    /**
     * The folder's template: from {@code chat_template} in tokenizer_config.json when present, else {@link #BYTE}
     * for a byte tokenizer and {@link #CHATML} otherwise.
     */
    public static ChatTemplate load(ModelFolder folder, Tokenizer tokenizer) {
        try {
            JsonNode template = Tokenizers.tokenizerConfig(folder).get("chat_template");
            if (template != null && template.isArray()) {   // named templates: [{name, template}, …]
                JsonNode chosen = null;
                for (JsonNode t : template) {
                    if (chosen == null || "default".equals(t.path("name").asText())) {
                        chosen = t.get("template");
                    }
                }
                template = chosen;
            }
            if (template != null && template.isTextual()) {
                try {
                    return recognize(template.asText());
                } catch (IllegalArgumentException e) {
                    throw new CheckpointException(folder.describe(Tokenizers.TOKENIZER_CONFIG) + ": " + e.getMessage());
                }
            }
            return tokenizer instanceof ByteTokenizer ? BYTE : CHATML;
        } catch (IOException e) {
            throw new CheckpointException(folder.describe(Tokenizers.TOKENIZER_CONFIG) + ": " + e.getMessage(), e);
        }
    }

    /** The conversation's text; with {@code addGenerationPrompt}, followed by the opening of an assistant turn. */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        StringBuilder text = new StringBuilder();
        if (format == Format.LLAMA3) {
            text.append("<|begin_of_text|>");
        }
        for (Message m : messages) {
            switch (format) {
                case CHATML -> text.append("<|im_start|>").append(m.role()).append('\n').append(m.content())
                        .append("<|im_end|>\n");
                case LLAMA3 -> text.append(llama3Header(m.role())).append(m.content().strip()).append("<|eot_id|>");
                case BYTE -> text.append(byteRole(m.role())).append(m.content()).append(ByteTokenizer.EOS);
            }
        }
        if (addGenerationPrompt) {
            text.append(switch (format) {
                case CHATML -> "<|im_start|>assistant\n";
                case LLAMA3 -> llama3Header("assistant");
                case BYTE -> ByteTokenizer.ASSISTANT;
            });
        }
        return text.toString();
    }

    private static String llama3Header(String role) {
        return "<|start_header_id|>" + role + "<|end_header_id|>\n\n";
    }

    private static String byteRole(String role) {
        return switch (role) {
            case "system" -> ByteTokenizer.SYSTEM;
            case "user" -> ByteTokenizer.USER;
            case "assistant" -> ByteTokenizer.ASSISTANT;
            default -> throw new IllegalArgumentException("the byte chat template has no role '" + role + "'");
        };
    }
}
