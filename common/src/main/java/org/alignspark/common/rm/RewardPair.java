package org.alignspark.common.rm;

import java.io.Serializable;

/**
 * A tokenized preference pair for reward modelling: the full chosen and rejected sequences (prompt + response,
 * rendered by the chat template), and the pair's margin where it has one.
 */
public record RewardPair(String pairId, int[] chosen, int[] rejected, double margin) implements Serializable {
}
