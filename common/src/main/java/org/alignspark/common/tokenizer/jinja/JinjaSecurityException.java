package org.alignspark.common.tokenizer.jinja;

/** A chat template reached outside its data (jinja2's SecurityError in transformers' sandbox). */
public final class JinjaSecurityException extends RuntimeException {
    public JinjaSecurityException(String message) {
        super(message);
    }
}
