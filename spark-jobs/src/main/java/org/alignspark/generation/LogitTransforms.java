package org.alignspark.generation;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.LogitProcessor;
import org.alignspark.common.lm.decoding.LogitFusion;
import org.alignspark.common.lm.decoding.SteerGuidance;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.executor.ExecutorModels;

/**
 * The decoding-time logit transforms of a generate run, as they travel to executors: STEER guidance (a base model
 * and/or negative examples) and weak-to-strong logit fusion (a small base and small experts). Every extra model is
 * loaded once per executor; each task gets replicas.
 *
 * @param negativeExamples texts joined by blank lines into one negative context put before every prompt
 */
public record LogitTransforms(String guidanceBase, double guidanceWeight, List<String> negativeExamples,
                              double negativeWeight, String fusionBase, List<String> fusionExperts,
                              LogitFusion.Mode fusionMode, double fusionAlpha, double fusionKlScale)
        implements Serializable {
    public static final LogitTransforms NONE = new LogitTransforms(null, 0, List.of(), 0, null, List.of(),
            LogitFusion.Mode.STATIC, 0, 0);

    public LogitTransforms {
        negativeExamples = List.copyOf(negativeExamples);
        fusionExperts = List.copyOf(fusionExperts);
        if (guidanceWeight != 0 && guidanceBase == null) {
            throw new IllegalArgumentException("--guidance-weight " + guidanceWeight + " needs --guidance-base");
        }
        if (negativeWeight != 0 && negativeExamples.isEmpty()) {
            throw new IllegalArgumentException("--negative-weight " + negativeWeight + " needs --negative-examples (a file with at least one non-blank line)");
        }
        if ((fusionBase == null) != fusionExperts.isEmpty()) {
            throw new IllegalArgumentException("logit fusion needs both --fusion-base and --fusion-experts");
        }
        if (!Double.isFinite(guidanceWeight) || !Double.isFinite(negativeWeight)) {
            throw new IllegalArgumentException("guidance weights must be finite");
        }
        if (fusionBase != null && (!(fusionAlpha >= 0) || !(fusionKlScale >= 0))) {
            throw new IllegalArgumentException("--fusion-alpha and --fusion-kl-scale must be ≥ 0");
        }
    }

    boolean steers() {
        return guidanceBase != null || !negativeExamples.isEmpty();
    }

    boolean fuses() {
        return fusionBase != null;
    }

    public LogitTransforms withGuidanceWeight(double weight) {
        return new LogitTransforms(guidanceBase, weight, negativeExamples, negativeWeight, fusionBase, fusionExperts,
                fusionMode, fusionAlpha, fusionKlScale);
    }

    public LogitTransforms withNegativeWeight(double weight) {
        return new LogitTransforms(guidanceBase, guidanceWeight, negativeExamples, weight, fusionBase, fusionExperts,
                fusionMode, fusionAlpha, fusionKlScale);
    }

    public LogitTransforms withFusionAlpha(double alpha) {
        return new LogitTransforms(guidanceBase, guidanceWeight, negativeExamples, negativeWeight, fusionBase,
                fusionExperts, fusionMode, alpha, fusionKlScale);
    }

    /** The processors for a task; {@code policy} is the task's replica of the sampled model (negative prompting reruns it). */
    public List<LogitProcessor> processors(CausalLM policy, ChatEncoder encoder) {
        List<LogitProcessor> out = new ArrayList<>();
        if (steers()) {
            List<int[]> negatives = negativeExamples.isEmpty() ? List.of()
                    : List.of(encoder.tokenizer().encode(String.join("\n\n", negativeExamples) + "\n\n"));
            out.add(new SteerGuidance(guidanceBase == null ? null : ExecutorModels.replica(guidanceBase), guidanceWeight,
                    negatives.isEmpty() ? null : policy, negatives, negativeWeight));
        }
        if (fuses()) {
            out.add(new LogitFusion(ExecutorModels.replica(fusionBase),
                    fusionExperts.stream().map(ExecutorModels::replica).toList(), fusionMode, fusionAlpha, fusionKlScale));
        }
        return out;
    }

    /** The settings as recorded in the output rows' {@code source}; empty when there is no transform. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        if (steers()) {
            // one negative context: the examples joined
            out.append(SteerGuidance.describe(guidanceWeight, negativeWeight, negativeExamples.isEmpty() ? 0 : 1))
                    .append(negativeExamples.isEmpty() ? "" : " negative_examples=" + negativeExamples.size())
                    .append(guidanceBase == null ? "" : " base=" + guidanceBase);
        }
        if (fuses()) {
            out.append(out.length() > 0 ? " " : "")
                    .append(LogitFusion.describe(fusionMode, fusionAlpha, fusionKlScale, fusionExperts.size()))
                    .append(" small_base=").append(fusionBase).append(" experts=").append(String.join(",", fusionExperts));
        }
        return out.toString();
    }
}
