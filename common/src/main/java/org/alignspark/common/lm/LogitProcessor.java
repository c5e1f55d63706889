package org.alignspark.common.lm;

/**
 * A decoding-time transform of next-token logits (contrastive guidance, logit fusion, banned tokens, …),
 * applied before temperature, top-k and top-p.
 */
@FunctionalInterface
public interface LogitProcessor {
    /**
     * @param sequence index of the sequence in the generate call
     * @param context  the sequence so far: prompt followed by the tokens generated before this step
     * @param logits   next-token logits [V]; may be modified and returned
     * @return the logits to sample from [V]
     */
    double[] process(int sequence, int[] context, double[] logits);
}
