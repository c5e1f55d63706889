package org.alignspark.common.lm;

import java.util.List;

/**
 * A decoding-time transform of next-token logits (contrastive guidance, logit fusion, banned tokens, …),
 * applied before temperature, top-k and top-p.
 *
 * <p>A processor that follows the generated text with models of its own (an expert, a base model, a context with
 * negative examples) keeps per-call state: {@link Generator} calls {@link #open} once per generate call and uses the
 * processor it returns, telling it after every step which token each sequence appended ({@link #advance}), so the
 * processor's models advance their KV caches by one cached step per token, in step with the main model.
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

    /** The processor serving one generate call over {@code prompts}; stateless processors serve every call. */
    default LogitProcessor open(List<int[]> prompts, GenerationConfig config) {
        return this;
    }

    /**
     * After a step of the generate call: {@code next[b]} was appended to sequence b ({@code mask[b] = 0} and the pad
     * id once the sequence has stopped). Not called after the last step.
     */
    default void advance(int[] next, int[] mask) {
    }
}
