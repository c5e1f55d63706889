package org.alignspark.common.lm;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: greedy, or temperature → top-k → top-p (Holtzman et al. 2020) → one
 * uniform draw. Candidates are ordered by logit, then by token id, so a seed gives the same token on any machine.
 */
public final class Sampler {
    private Sampler() {
    }

    public static int next(double[] logits, GenerationConfig config, SplittableRandom random) {
        if (config.temperature() <= 0) {
            return argmax(logits);
        }
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -logits[i]).thenComparingInt(i -> i));
        int keep = config.topK() > 0 ? Math.min(config.topK(), logits.length) : logits.length;
        double[] probs = new double[keep];                                      // softmax(z / T) over the top k
        double max = logits[order[0]] / config.temperature();
        double total = 0;
        for (int r = 0; r < keep; r++) {
            probs[r] = Math.exp(logits[order[r]] / config.temperature() - max);
            total += probs[r];
        }
        double mass = 0;
        int nucleus = 0;
        while (nucleus < keep && (nucleus == 0 || mass < config.topP() * total)) {
            mass += probs[nucleus++];
        }
        double u = random.nextDouble() * mass;
        for (int r = 0; r < nucleus; r++) {
            u -= probs[r];
            if (u < 0) {
                return order[r];
            }
        }
        return order[nucleus - 1];
    }

    /** The index of the largest logit, the lowest index among ties. */
    private static int argmax(double[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
