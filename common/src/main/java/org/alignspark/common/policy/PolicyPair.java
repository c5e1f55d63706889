package org.alignspark.common.policy;

import java.io.Serializable;

/**
 * A tokenized preference pair for policy optimization, with the frozen reference model's summed log-probs of both
 * completions (computed once by the ref-logprobs stage, so the reference model is never held during training).
 */
public record PolicyPair(String pairId, int[] prompt, int[] chosen, int[] rejected, double refChosen, double refRejected)
        implements Serializable {
}
