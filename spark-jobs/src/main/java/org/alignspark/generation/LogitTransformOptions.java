package org.alignspark.generation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.alignspark.common.lm.decoding.LogitFusion;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/** The command-line options of {@link LogitTransforms}, shared by {@code generate} and {@code guidance-sweep}. */
public final class LogitTransformOptions {
    @Option(names = "--guidance-base", description = "STEER contrastive expert guidance: base LM (same tokenizer) whose logits the policy, the fine-tuned expert, is moved away from: z + γ(z − z_base).")
    String guidanceBase;

    @Option(names = "--guidance-weight", defaultValue = "0.0", description = "γ of contrastive expert guidance (0: off).")
    double guidanceWeight;

    @Option(names = "--negative-examples", description = "STEER negative prompting: text file (any Hadoop path), one real or earlier synthetic example per line; joined, they precede every prompt as one negative context.")
    String negativeExamples;

    @Option(names = "--negative-weight", defaultValue = "0.0", description = "δ of negative prompting: z − δ(z_neg − z) (0: off).")
    double negativeWeight;

    @Option(names = "--fusion-base", description = "Weak-to-strong logit fusion: the small base LM M_S (same tokenizer); the policy is the large base M_L.")
    String fusionBase;

    @Option(names = "--fusion-experts", split = ",", description = "Small expert LMs M_S^t fine-tuned from --fusion-base, comma-separated: z = M_L + Σ α_t (M_S^t − M_S).")
    List<String> fusionExperts = new ArrayList<>();

    @Option(names = "--fusion-mode", defaultValue = "static", description = "static: α_t = --fusion-alpha; dynamic (our reading 'kl-matched' of the paper's unpublished rule): per step the largest α_t ≤ --fusion-alpha whose KL move of the large model stays within --fusion-kl-scale × KL(M_S^t ‖ M_S).")
    String fusionMode;

    @Option(names = "--fusion-alpha", defaultValue = "1.0", description = "α of static fusion, or its upper bound in dynamic mode.")
    double fusionAlpha;

    @Option(names = "--fusion-kl-scale", defaultValue = "1.0", description = "Dynamic fusion's KL budget as a multiple of the small expert's own KL from the small base.")
    double fusionKlScale;

    /** The settings; reads the negative examples on the driver (blank lines are not examples). */
    public LogitTransforms settings(SparkSession spark) {
        List<String> negatives = negativeExamples == null ? List.of()
                : spark.read().textFile(negativeExamples).collectAsList().stream().filter(s -> !s.isBlank()).toList();
        if (negativeExamples != null && negatives.isEmpty()) {
            throw new IllegalArgumentException("--negative-examples " + negativeExamples + " has no non-blank line");
        }
        LogitFusion.Mode mode = switch (fusionMode.toLowerCase(Locale.ROOT)) {
            case "static" -> LogitFusion.Mode.STATIC;
            case "dynamic" -> LogitFusion.Mode.DYNAMIC;
            default -> throw new IllegalArgumentException("--fusion-mode must be static or dynamic, got " + fusionMode);
        };
        return new LogitTransforms(guidanceBase, guidanceWeight, negatives, negativeWeight, fusionBase, fusionExperts,
                mode, fusionAlpha, fusionKlScale);
    }
}
