package org.alignspark.jobs;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.cli.JobOptions;
import org.alignspark.cli.PolicyTrainerOptions;
import org.alignspark.common.objectives.BcoLoss;
import org.alignspark.common.objectives.DensityRatioClassifier;
import org.alignspark.common.objectives.RunningMoments;
import org.alignspark.common.policy.BcoObjective;
import org.alignspark.train.PolicyTrainer;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * {@code train-bco}: BCO on binary feedback (docs/spec-objectives.md §3; TRL's {@code BCOTrainer}): the implicit reward
 * as a classifier logit shifted by the running δ, optionally with undesirable examples weighted by the density ratio of
 * a classifier on prompt embeddings (§3a).
 */
@Command(name = "train-bco", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "BCO on binary feedback (running reward shift, optional density-ratio weights), by parameter averaging.")
public final class TrainBcoJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainBcoJob.class);

    @Option(names = "--input", required = true, description = "ref-logprobs' output over a BinaryFeedback table.")
    String inputTable;

    @Option(names = "--bco-density-ratio", description = "Weight undesirable examples by the clipped density ratio "
            + "p/(1 − p) of a logistic classifier on prompt embeddings (needs ref-logprobs --prompt-embeddings).")
    boolean densityRatio;

    @Option(names = "--min-density-ratio", defaultValue = "0.5", description = "Lower clip of the density ratio.")
    double minDensityRatio;

    @Option(names = "--max-density-ratio", defaultValue = "10.0", description = "Upper clip of the density ratio.")
    double maxDensityRatio;

    @Option(names = "--prompt-sample-size", defaultValue = "1024", description = "Prompts of each label the classifier is fitted on.")
    int promptSampleSize;

    @Mixin JobOptions job;
    @Mixin PolicyTrainerOptions training;

    @Override
    public Integer call() {
        PolicyTrainer policy = training.trainer(job, inputTable);
        BcoLoss.Config config = new BcoLoss.Config(training.beta(), minDensityRatio, maxDensityRatio);
        DensityRatioClassifier classifier = densityRatio ? classifier(policy) : null;
        BcoObjective objective = new BcoObjective(config, policy.padId(), new RunningMoments());
        policy.fit(policy.feedback(densityRatio ? List.of("ref_logp", "prompt_embedding") : List.of("ref_logp"),
                        classifier == null ? null : embedding -> classifier.undesirableWeight(embedding, config)),
                objective, "bco", objective::foldRound);
        return 0;
    }

    /**
     * BCO's UDM classifier (TRL fits it once at init): logistic regression on the stored prompt embeddings of up to
     * --prompt-sample-size training examples of each label, drawn by a seeded hash of the example id.
     */
    private DensityRatioClassifier classifier(PolicyTrainer policy) {
        Dataset<Row> train = policy.train(List.of("example_id", "label", "prompt_embedding"));
        double[][][] byLabel = new double[2][][];
        for (int label = 0; label < 2; label++) {
            byLabel[label] = train.filter(col("label").equalTo(label == 1))
                    .orderBy(xxhash64(lit(policy.seed()), col("example_id"))).limit(promptSampleSize)
                    .select("prompt_embedding").collectAsList().stream().map(PolicyTrainer::embedding).toArray(double[][]::new);
        }
        DensityRatioClassifier classifier = DensityRatioClassifier.fit(byLabel[1], byLabel[0]);
        for (int label = 0; label < 2; label++) {
            boolean desirable = label == 1;
            long right = Arrays.stream(byLabel[label]).filter(x -> classifier.probabilityDesirable(x) > 0.5 == desirable).count();
            LOG.info("density-ratio classifier: {} of {} {} prompts classified right", right, byLabel[label].length,
                    desirable ? "desirable" : "undesirable");
        }
        return classifier;
    }
}
