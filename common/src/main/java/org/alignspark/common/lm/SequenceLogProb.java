package org.alignspark.common.lm;

/** Log-likelihood of a completion given its prompt, one row of {@link CompletionLogProbs}: sum and token mean. */
public record SequenceLogProb(double sum, double mean, int tokens) {
}
