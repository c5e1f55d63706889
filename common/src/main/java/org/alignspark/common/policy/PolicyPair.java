package org.alignspark.common.policy;

import java.io.Serializable;

/**
 * A tokenized preference pair for policy optimization, with the frozen reference model's summed log-probs of both
 * completions (computed once by the ref-logprobs stage, so the reference model is never held during training; NaN when
 * the loss reads no reference) and, for LD-DPO, its per-token log-probs (null unless {@code ref-logprobs --token-logps}).
 */
public record PolicyPair(String pairId, int[] prompt, int[] chosen, int[] rejected, double refChosen, double refRejected,
                         double[] refTokensChosen, double[] refTokensRejected) implements Serializable {
    public PolicyPair(String pairId, int[] prompt, int[] chosen, int[] rejected, double refChosen, double refRejected) {
        this(pairId, prompt, chosen, rejected, refChosen, refRejected, null, null);
    }
}
