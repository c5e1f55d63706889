package org.alignspark.common.tokenizer.jinja;

/** A chat template that does not parse, raised {@code raise_exception}, or failed while rendering; with its line. */
public final class JinjaTemplateException extends RuntimeException {
    private final int line;

    public JinjaTemplateException(String message, int line) {
        super(message);
        this.line = line;
    }

    /** 1-based line of the template, or 0 when the engine did not say. */
    public int line() {
        return line;
    }
}
