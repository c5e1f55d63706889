package org.alignspark.common.policy;

import java.io.Serializable;

/**
 * A tokenized binary-feedback example (TRL's unpaired {@code prompt}/{@code completion}/{@code label}) for KTO and BCO,
 * with what the ref-logprobs stage stored next to it: the frozen reference model's summed log-prob of the completion
 * and, for KTO's KL reference point, a mismatched completion (another example's) with its reference log-prob.
 *
 * @param desirable          the label: true for a thumbs-up
 * @param refLogp            log π_ref(completion | prompt)
 * @param klCompletion       the mismatched completion y' scored against this prompt (KTO); empty when not used
 * @param refLogpKl          log π_ref(y' | prompt) (KTO); NaN when not used
 * @param densityRatioWeight BCO's clipped prompt density ratio, applied when the example is undesirable; 1 without UDM
 */
public record FeedbackExample(String exampleId, int[] prompt, int[] completion, boolean desirable, double refLogp,
                              int[] klCompletion, double refLogpKl, double densityRatioWeight) implements Serializable {
    public FeedbackExample {
        if (!(densityRatioWeight > 0)) {
            throw new IllegalArgumentException(exampleId + ": density-ratio weight must be > 0, got " + densityRatioWeight);
        }
    }
}
