package org.alignspark.common.policy;

import java.io.Serializable;

/**
 * A tokenized ranked list for list ranking (TPO): one prompt, K responses, each with its preference label ψ (larger is
 * better; a score, or the negated rank) and the frozen reference model's summed log-prob from the ref-logprobs stage.
 *
 * @param responses [K][tokens]
 * @param labels    ψ per response, [K]
 * @param refLogps  log π_ref(response | prompt), [K]
 */
public record RankedList(String listId, int[] prompt, int[][] responses, double[] labels, double[] refLogps)
        implements Serializable {
    public RankedList {
        if (responses.length != labels.length || responses.length != refLogps.length) {
            throw new IllegalArgumentException(listId + ": " + responses.length + " responses, " + labels.length
                    + " labels and " + refLogps.length + " reference log-probs");
        }
    }

    /** Whether any two responses have different labels, i.e. the list holds at least one ordered pair. */
    public boolean hasOrderedPair() {
        for (double label : labels) {
            if (label != labels[0]) {
                return true;
            }
        }
        return false;
    }
}
