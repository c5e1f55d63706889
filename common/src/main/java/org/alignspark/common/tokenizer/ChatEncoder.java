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

    /** Prompt and completion together. */
    public int[] conversation(List<Message> prompt, String response) {
        int[] p = prompt(prompt);
        int[] c = completion(prompt, response);
        int[] all = java.util.Arrays.copyOf(p, p.length + c.length);
        System.arraycopy(c, 0, all, p.length, c.length);
        return all;
    }
}
