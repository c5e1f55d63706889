package org.alignspark.common.lm.decoding;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.GenerationConfig;
import org.alignspark.common.lm.LogitProcessor;
import org.alignspark.common.lm.LogitStream;

/**
 * STEER (O'Neill et al. 2023, arXiv 2308.07645; docs/spec-objectives.md §9): the policy being sampled is the fine-tuned
 * expert; contrastive expert guidance moves its logits further from a base model's, and negative prompting moves
 * them away from what the same expert predicts when negative examples (real data, earlier samples) precede the
 * prompt.
 *
 * <p>The paper's equation is not available (docs/spec-objectives.md §9(a): NOT FOUND); this class implements the spec's CFG-shaped
 * reading, named {@code cfg-reading} wherever runs record their settings:
 * <pre>
 *   z = z_ft + γ·(z_ft − z_base) − δ·(1/J)·Σ_j (z_ft(·| neg_j, x, y_&lt;k) − z_ft)
 * </pre>
 * With γ = δ = 0 it returns z_ft unchanged.
 */
public final class SteerGuidance implements LogitProcessor {
    /** The name of the formula above, recorded with a run's settings. */
    public static final String READING = "cfg-reading";

    private final CausalLM base;
    private final double guidanceWeight;
    private final CausalLM negativeModel;
    private final List<int[]> negativePrefixes;
    private final double negativeWeight;

    /**
     * @param base             the base LM of the contrast, or null for none (then γ must be 0)
     * @param guidanceWeight   γ
     * @param negativeModel    the expert again (a replica, or the very model being sampled), or null for none
     * @param negativePrefixes token prefixes neg_j put before every prompt, shared by every sequence; the oldest
     *                         tokens of a prefix are cut where prefix + prompt + new tokens exceed the model's positions
     * @param negativeWeight   δ
     */
    public SteerGuidance(CausalLM base, double guidanceWeight, CausalLM negativeModel, List<int[]> negativePrefixes,
                         double negativeWeight) {
        if (!Double.isFinite(guidanceWeight) || !Double.isFinite(negativeWeight)) {
            throw new IllegalArgumentException("STEER weights must be finite, got γ=" + guidanceWeight + " δ=" + negativeWeight);
        }
        if (base == null && guidanceWeight != 0) {
            throw new IllegalArgumentException("contrastive guidance weight " + guidanceWeight + " needs a base model");
        }
        if ((negativeModel == null || negativePrefixes.isEmpty()) && negativeWeight != 0) {
            throw new IllegalArgumentException("negative weight " + negativeWeight + " needs negative examples and a model");
        }
        this.base = base;
        this.guidanceWeight = guidanceWeight;
        this.negativeModel = negativeModel;
        this.negativePrefixes = negativePrefixes.stream().map(int[]::clone).toList();
        this.negativeWeight = negativeWeight;
    }

    /**
     * The formula of the class comment on one position's logits [V].
     *
     * @param expert    z_ft, the expert's logits on (x, y_&lt;k)
     * @param base      z_base on (x, y_&lt;k); may be null when γ = 0
     * @param negatives z_ft(·| neg_j, x, y_&lt;k) for j = 1..J [J][V]; may be empty when δ = 0
     */
    public static double[] steer(double[] expert, double[] base, double[][] negatives, double guidanceWeight,
                                 double negativeWeight) {
        double[] z = expert.clone();
        if (guidanceWeight != 0) {
            Distributions.checkSameVocabulary(expert, base);
            for (int v = 0; v < z.length; v++) {
                z[v] += guidanceWeight * (expert[v] - base[v]);
            }
        }
        if (negativeWeight != 0) {
            if (negatives.length == 0) {
                throw new IllegalArgumentException("negative prompting with no negative context");
            }
            for (double[] negative : negatives) {
                Distributions.checkSameVocabulary(expert, negative);
                for (int v = 0; v < z.length; v++) {
                    z[v] -= negativeWeight / negatives.length * (negative[v] - expert[v]);
                }
            }
        }
        return z;
    }

    /** The settings, for a run's record: {@code steer[cfg-reading](gamma=…,delta=…,negatives=J)}. */
    public String describe() {
        return describe(guidanceWeight, negativeWeight, negativeModel == null ? 0 : negativePrefixes.size());
    }

    public static String describe(double guidanceWeight, double negativeWeight, int negativeContexts) {
        return String.format(Locale.ROOT, "steer[%s](gamma=%s,delta=%s,negatives=%d)", READING, guidanceWeight,
                negativeWeight, negativeContexts);
    }

    @Override
    public double[] process(int sequence, int[] context, double[] logits) {
        throw new IllegalStateException("SteerGuidance needs open() per generate call; Generator does this");
    }

    @Override
    public LogitProcessor open(List<int[]> prompts, GenerationConfig config) {
        LogitStream baseStream = base == null ? null
                : new LogitStream(base, prompts, config.maxNewTokens(), config.padId());
        List<LogitStream> negativeStreams = new ArrayList<>();
        if (negativeModel != null) {
            int room = negativeModel.config().maxPositions() - config.maxNewTokens();
            for (int[] prefix : negativePrefixes) {
                List<int[]> contexts = new ArrayList<>(prompts.size());
                for (int[] prompt : prompts) {
                    int keep = Math.max(0, Math.min(prefix.length, room - prompt.length));
                    int[] context = Arrays.copyOfRange(prefix, prefix.length - keep, prefix.length + prompt.length);
                    System.arraycopy(prompt, 0, context, keep, prompt.length);
                    contexts.add(context);
                }
                negativeStreams.add(new LogitStream(negativeModel, contexts, config.maxNewTokens(), config.padId()));
            }
        }
        return new LogitProcessor() {
            @Override
            public double[] process(int sequence, int[] context, double[] logits) {
                double[][] negatives = new double[negativeStreams.size()][];
                for (int j = 0; j < negatives.length; j++) {
                    negatives[j] = negativeStreams.get(j).logits(sequence);
                }
                return steer(logits, baseStream == null ? null : baseStream.logits(sequence), negatives,
                        guidanceWeight, negativeWeight);
            }

            @Override
            public void advance(int[] next, int[] mask) {
                if (baseStream != null) {
                    baseStream.advance(next, mask);
                }
                for (LogitStream stream : negativeStreams) {
                    stream.advance(next, mask);
                }
            }
        };
    }
}
