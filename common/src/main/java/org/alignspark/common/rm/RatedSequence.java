package org.alignspark.common.rm;

import java.io.Serializable;

/** A tokenized conversation (prompt + response) with its K attribute ratings, for regression reward models. */
public record RatedSequence(String id, int[] tokens, double[] ratings) implements Serializable {
}
