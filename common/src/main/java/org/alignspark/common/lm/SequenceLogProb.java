package org.alignspark.common.lm;

/** Log-likelihood of a completion given its prompt: sum and mean over the completion's tokens. */
public record SequenceLogProb(double sum, double mean, int tokens) {
}
