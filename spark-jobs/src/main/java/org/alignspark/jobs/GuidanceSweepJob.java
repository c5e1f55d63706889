package org.alignspark.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.alignspark.cli.BatchOption;
import org.alignspark.cli.JobOptions;
import org.alignspark.cli.PolicyOption;
import org.alignspark.cli.SamplingOptions;
import org.alignspark.cli.SplitOption;
import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.metrics.AnswerCollapse;
import org.alignspark.executor.EncodedResponses;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.LengthSortedBatches;
import org.alignspark.generation.GenerationPlan;
import org.alignspark.generation.LogitTransformOptions;
import org.alignspark.generation.LogitTransforms;
import org.alignspark.generation.SampleDiversity;
import org.alignspark.generation.Sampling;
import org.alignspark.warehouse.JobRun;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.alignspark.cli.OptionChecks.require;

/**
 * {@code guidance-sweep}: the coherence/diversity trade-off of a logit transform as a curve. For each weight of the
 * swept transform it samples K responses per prompt from {@code --policy} (STEER's expert, or fusion's large base;
 * as {@code generate} does, with the same seeds at every weight) and appends one row to {@code guidance_sweep}
 * (partition dt):
 * <ul>
 *   <li>{@code run_id}, {@code sweep} (guidance_weight, negative_weight or fusion_alpha), {@code weight},
 *       {@code settings} (the transforms as recorded in generate's source)</li>
 *   <li>{@code prompts}, {@code samples}</li>
 *   <li>coherence: {@code reference_accuracy}, the share of samples stating the prompt's reference answer (null when no
 *       prompt has one), and {@code mean_logprob}, the mean over samples of their token-mean log-probability under
 *       {@code coherence_model}</li>
 *   <li>diversity, as the {@code diversity} job's overall row: {@code distinct_1}, {@code distinct_2},
 *       {@code self_bleu} (means over prompts), {@code answer_collapse_rate}</li>
 * </ul>
 * On the demo world: {@code demo-data}, then {@code --prompts demo_candidates}.
 */
@Command(name = "guidance-sweep", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Sweep one logit transform's weight and write the coherence/diversity curve into guidance_sweep.",
                "Columns: run_id, sweep, weight, settings, prompts, samples, reference_accuracy, mean_logprob, "
                        + "coherence_model, distinct_1, distinct_2, self_bleu, answer_collapse_rate."})
public final class GuidanceSweepJob implements Callable<Integer> {
    static final String TABLE = "guidance_sweep";
    private static final StructType SCORED = StructType.fromDDL("""
            prompt_id STRING NOT NULL, mean_logprob DOUBLE NOT NULL""");
    static final StructType SCHEMA = StructType.fromDDL("""
            run_id STRING NOT NULL, sweep STRING NOT NULL, weight DOUBLE NOT NULL, settings STRING NOT NULL,
            prompts BIGINT NOT NULL, samples BIGINT NOT NULL, reference_accuracy DOUBLE, mean_logprob DOUBLE,
            coherence_model STRING NOT NULL, distinct_1 DOUBLE, distinct_2 DOUBLE, self_bleu DOUBLE,
            answer_collapse_rate DOUBLE""");

    @Option(names = "--prompts", required = true, description = "Any table with prompt_id and prompt (and reference_answer for accuracy), e.g. demo_candidates.")
    String promptsTable;

    @Option(names = "--sweep", defaultValue = "guidance", description = "The weight swept: guidance (γ), negative (δ) or fusion (α).")
    String sweep;

    @Option(names = "--weights", split = ",", defaultValue = "0,0.5,1,2,4", description = "Values of the swept weight.")
    List<Double> weights;

    @Option(names = "--coherence-model", description = "HF model folder whose log-probs of the samples measure coherence (default: --guidance-base, else --policy).")
    String coherenceModel;

    @Option(names = "--k", defaultValue = "4", description = "Samples per prompt.")
    int k;

    @Option(names = "--answer-pattern", description = "Regex whose last match is a response's answer (default: last number, else normalized last line).")
    String answerPattern;

    @Mixin JobOptions job;
    @Mixin PolicyOption policyOption;
    @Mixin SplitOption split = new SplitOption("all");
    @Mixin SamplingOptions sampling = SamplingOptions.withTemperature(1.0);   // the same seeds at every weight
    @Mixin BatchOption batch = new BatchOption(16);
    @Mixin LogitTransformOptions transformOptions;

    @Override
    public Integer call() {
        String policy = policyOption.policy();
        int batchSize = batch.batchSize();
        require(k >= 1 && !weights.isEmpty(), "need --k ≥ 1 and at least one weight");
        JobRun run = job.start(TABLE);
        LogitTransforms base = transformOptions.settings(run.spark());
        String scorer = coherenceModel != null ? coherenceModel : base.guidanceBase() != null ? base.guidanceBase() : policy;
        Sampling settings = sampling.sampling();
        AnswerCollapse.AnswerExtractor extractor = SampleDiversity.extractor(answerPattern);
        Dataset<Row> prompts = GenerationPlan.prompts(run.read(promptsTable, split.split())).cache();
        List<Row> curve = new ArrayList<>();
        for (double weight : weights) {
            LogitTransforms transforms = switch (sweep) {
                case "guidance" -> base.withGuidanceWeight(weight);
                case "negative" -> base.withNegativeWeight(weight);
                case "fusion" -> base.withFusionAlpha(weight);
                default -> throw new IllegalArgumentException("--sweep must be guidance, negative or fusion, got " + sweep);
            };
            Dataset<Row> generated = GenerationPlan.generate(prompts, policy, k, settings, transforms, sampling.seed(), batchSize).cache();
            Row overall = SampleDiversity.overall(generated.select("prompt_id", "responses", "reference_answer")
                    .map(SampleDiversity.perPrompt(extractor), Encoders.row(SampleDiversity.SCHEMA))).first();
            List<Row> scored = generated.select("prompt_id", "prompt", "responses")
                    .mapPartitions(meanLogProbs(scorer, batchSize), Encoders.row(SCORED)).collectAsList();
            long promptCount = generated.count();
            generated.unpersist();
            Double meanLogProb = scored.isEmpty() ? null : scored.stream().mapToDouble(r -> r.<Double>getAs("mean_logprob")).average().orElseThrow();
            curve.add(RowFactory.create(run.runId(), sweep + (sweep.equals("fusion") ? "_alpha" : "_weight"), weight,
                    transforms.describe(), promptCount, overall.<Long>getAs("samples"), overall.getAs("reference_accuracy"),
                    meanLogProb, scorer, overall.getAs("distinct_1"), overall.getAs("distinct_2"), overall.getAs("self_bleu"),
                    overall.getAs("answer_collapse")));
            System.out.printf(Locale.ROOT, "%s %.3f: accuracy %s, mean log-prob %s, distinct-2 %s, self-BLEU %s, collapse %s%n",
                    sweep, weight, overall.getAs("reference_accuracy"), meanLogProb, overall.getAs("distinct_2"),
                    overall.getAs("self_bleu"), overall.getAs("answer_collapse"));
        }
        prompts.unpersist();
        run.append(run.spark().createDataFrame(curve, SCHEMA).coalesce(1), TABLE);
        System.out.println(run.record(curve.size(), curve.size(), 0).summary());
        return 0;
    }

    /** (prompt_id, prompt, responses) → one row per sample: its token-mean log-probability under {@code model}. */
    static MapPartitionsFunction<Row, Row> meanLogProbs(String model, int batchSize) {
        return rows -> {
            ExecutorModels.TaskModel lm = ExecutorModels.taskModel(model);
            return LengthSortedBatches.map(rows, r -> EncodedResponses.of(lm, r), EncodedResponses::length, batchSize, batch -> {
                CompletionLogProbs scored = EncodedResponses.score(lm, batch);
                List<Row> out = new ArrayList<>();
                for (EncodedResponses prompt : batch) {
                    for (int i = 0; i < prompt.responses().size(); i++) {
                        int at = out.size();
                        out.add(RowFactory.create(prompt.row().getAs("prompt_id"), scored.sums()[at] / scored.lengths()[at]));
                    }
                }
                return out;
            });
        };
    }
}
