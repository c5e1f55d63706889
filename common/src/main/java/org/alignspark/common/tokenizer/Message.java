package org.alignspark.common.tokenizer;

/** One chat turn: role (system, user, assistant, …) and its text. */
public record Message(String role, String content) {
}
