package org.alignspark.common.tokenizer;

/** A chat template that fails for a conversation: it does not parse, raises, or cannot split prompt from completion. */
public final class ChatTemplateException extends IllegalArgumentException {
    public ChatTemplateException(String message) {
        super(message);
    }
}
