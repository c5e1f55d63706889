package org.alignspark.common.sft;

import java.io.Serializable;

/** A tokenized supervised example: the prompt (context only) and the completion the model learns to write. */
public record SftExample(String id, int[] prompt, int[] completion) implements Serializable {
}
