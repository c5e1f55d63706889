package org.alignspark.common.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Token ids of a conversation as a model sees it, split as TRL splits it: the prompt is the chat template's rendering
 * of the prompt turns with {@code add_generation_prompt=True}; the completion is what the rendering of the whole
 * conversation adds after it. Prompt and completion are encoded separately, so the boundary between them is exact.
 * <p>
 * Some templates do not extend the prompt's rendering (Mistral's v3 template moves the system message to the last
 * user turn, so the prompt and the conversation render it in different places). Then, when the template marks the
 * assistant's output with {@code {% generation %}}, the completion is the last such block of the conversation's
 * rendering (transformers' assistant mask), still after the generation prompt; without such blocks the split fails
 * with a {@link ChatTemplateException} that says so.
 */
public final class ChatEncoder {
    private final Tokenizer tokenizer;
    private final ChatTemplate template;

    public ChatEncoder(Tokenizer tokenizer, ChatTemplate template) {
        this.tokenizer = tokenizer;
        this.template = template;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public ChatTemplate template() {
        return template;
    }

    /** The prompt turns followed by the assistant turn's opening. */
    public int[] prompt(List<Message> prompt) {
        return tokenizer.encode(template.render(prompt, true));
    }

    /** The response and the template's end of turn, as they follow {@link #prompt}. */
    public int[] completion(List<Message> prompt, String response) {
        return tokenizer.encode(split(prompt, response).completion());
    }

    /** How a conversation's completion was found. */
    public enum Boundary {
        /** The conversation's rendering starts with the prompt's: the completion is the rest (TRL). */
        PREFIX,
        /** It does not; the completion is the last {@code {% generation %}} block of the conversation's rendering. */
        GENERATION_BLOCK
    }

    /** Prompt text (with the generation prompt), completion text, and how they were split. */
    public record Split(String prompt, String completion, Boundary boundary) {
    }

    /** The texts of {@link #prompt} and {@link #completion}; see the class comment for the split. */
    public Split split(List<Message> prompt, String response) {
        String opened = template.render(prompt, true);
        List<Message> full = new ArrayList<>(prompt);
        full.add(new Message("assistant", response));
        var whole = template.renderTracked(full, false, java.util.Map.of());
        if (whole.text().startsWith(opened)) {
            return new Split(opened, whole.text().substring(opened.length()), Boundary.PREFIX);
        }
        if (whole.generationSpans().isEmpty()) {
            throw new ChatTemplateException(template.origin() + ": the conversation's rendering does not start with the "
                    + "prompt's rendering (add_generation_prompt=True), and the template has no {% generation %} block "
                    + "to find the completion by; prompt and completion cannot be split");
        }
        int[] last = whole.generationSpans().get(whole.generationSpans().size() - 1);
        return new Split(opened, whole.text().substring(last[0], last[1]), Boundary.GENERATION_BLOCK);
    }

    /**
     * How many leading tokens of {@link #completion} encode the response text itself, before the template's end of
     * turn (e.g. ChatML's {@code <|im_end|>\n}, the byte template's {@code <|eos|>}); a template that strips the
     * content (Llama 3) is followed. Fails when the response's own tokens are not a prefix of the completion's.
     */
    public int responseLength(List<Message> prompt, String response) {
        String opened = template.render(prompt, true);
        List<Message> full = new ArrayList<>(prompt);
        full.add(new Message("assistant", response));
        String added = template.render(full, false).substring(opened.length());
        String content = added.startsWith(response) ? response : response.strip();
        int[] completion = tokenizer.encode(added);
        int[] own = tokenizer.encode(content);
        if (!added.startsWith(content) || own.length > completion.length
                || !java.util.Arrays.equals(own, java.util.Arrays.copyOf(completion, own.length))) {
            throw new IllegalStateException("the response's tokens are not the start of its completion under chat template "
                    + template.origin());
        }
        return own.length;
    }

    /** Prompt and completion together. */
    public int[] conversation(List<Message> prompt, String response) {
        int[] p = prompt(prompt);
        int[] c = completion(prompt, response);
        int[] all = java.util.Arrays.copyOf(p, p.length + c.length);
        System.arraycopy(c, 0, all, p.length, c.length);
        return all;
    }
}
