package org.alignspark.common.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Token ids of a conversation as a model sees it: the prompt rendered by the chat template up to the opening of the
 * assistant's turn, and the response that follows it through the end of that turn. Prompt and completion are
 * encoded separately (as TRL does), so the boundary between them is exact.
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
        String opened = template.render(prompt, true);
        List<Message> full = new ArrayList<>(prompt);
        full.add(new Message("assistant", response));
        String whole = template.render(full, false);
        if (!whole.startsWith(opened)) {
            throw new IllegalStateException("chat template " + template.format() + " does not extend the prompt's rendering");
        }
        return tokenizer.encode(whole.substring(opened.length()));
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
                    + template.format());
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
