package org.alignspark.jobs;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.alignspark.cli.BatchOption;
import org.alignspark.cli.PartitionOption;
import org.alignspark.cli.SamplingOptions;
import org.alignspark.cli.SplitOption;
import org.alignspark.cli.WarehouseOption;
import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.metrics.AnswerCollapse;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.LengthSortedBatches;
import org.alignspark.executor.ModelRows;
import org.alignspark.generation.GenerationPlan;
import org.alignspark.generation.LogitTransformOptions;
import org.alignspark.generation.LogitTransforms;
import org.alignspark.generation.SampleDiversity;
import org.alignspark.generation.Sampling;
import org.alignspark.warehouse.RunRecord;
import org.alignspark.warehouse.Warehouse;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code guidance-sweep}: the coherence/diversity trade-off of a logit transform as a curve. For each weight of the
 * swept transform it samples K responses per prompt ({@code generate}, same seeds at every weight) and appends one
 * row to {@code guidance_sweep} (partition dt):
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
    private static final StructType SCORED = new StructType()
            .add("prompt_id", DataTypes.StringType, false)
            .add("mean_logprob", DataTypes.DoubleType, false);
    static final StructType SCHEMA = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("sweep", DataTypes.StringType, false)
            .add("weight", DataTypes.DoubleType, false)
            .add("settings", DataTypes.StringType, false)
            .add("prompts", DataTypes.LongType, false)
            .add("samples", DataTypes.LongType, false)
            .add("reference_accuracy", DataTypes.DoubleType, true)
            .add("mean_logprob", DataTypes.DoubleType, true)
            .add("coherence_model", DataTypes.StringType, false)
            .add("distinct_1", DataTypes.DoubleType, true)
            .add("distinct_2", DataTypes.DoubleType, true)
            .add("self_bleu", DataTypes.DoubleType, true)
            .add("answer_collapse_rate", DataTypes.DoubleType, true);

    @Option(names = "--prompts", required = true, description = "Any table with prompt_id and prompt (and reference_answer for accuracy), e.g. demo_candidates.")
    String promptsTable;

    @Option(names = "--policy", required = true, description = "HF model folder to sample from (STEER's expert, or fusion's large base).")
    String policy;

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

    @Mixin PartitionOption partition;
    @Mixin SplitOption split = SplitOption.defaultingTo("all");
    @Mixin SamplingOptions sampling = SamplingOptions.withTemperature(1.0);   // the same seeds at every weight
    @Mixin BatchOption batch = BatchOption.defaultingTo(16);
    @Mixin LogitTransformOptions transformOptions;
    @Mixin WarehouseOption warehouseOption;

    @Override
    public Integer call() {
        Instant started = Instant.now();
        String dt = partition.dt();
        int batchSize = batch.batchSize();
        if (k < 1 || weights.isEmpty()) {
            throw new IllegalArgumentException("need --k ≥ 1 and at least one weight");
        }
        Warehouse warehouse = warehouseOption.open("alignspark guidance-sweep");
        LogitTransforms base = transformOptions.settings(warehouse.spark());
        String scorer = coherenceModel != null ? coherenceModel : base.guidanceBase() != null ? base.guidanceBase() : policy;
        String runId = RunRecord.newRunId("guidance-sweep");
        Sampling settings = sampling.sampling();
        AnswerCollapse.AnswerExtractor extractor = SampleDiversity.extractor(answerPattern);
        Dataset<Row> prompts = GenerationPlan.prompts(warehouse, promptsTable, dt, split.split()).cache();
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
            curve.add(RowFactory.create(runId, sweep + (sweep.equals("fusion") ? "_alpha" : "_weight"), weight,
                    transforms.describe(), promptCount, overall.<Long>getAs("samples"), overall.getAs("reference_accuracy"),
                    meanLogProb, scorer, overall.getAs("distinct_1"), overall.getAs("distinct_2"), overall.getAs("self_bleu"),
                    overall.getAs("answer_collapse")));
            System.out.printf(Locale.ROOT, "%s %.3f: accuracy %s, mean log-prob %s, distinct-2 %s, self-BLEU %s, collapse %s%n",
                    sweep, weight, overall.getAs("reference_accuracy"), meanLogProb, overall.getAs("distinct_2"),
                    overall.getAs("self_bleu"), overall.getAs("answer_collapse"));
        }
        prompts.unpersist();
        warehouse.appendPartition(warehouse.spark().createDataFrame(curve, SCHEMA).coalesce(1), TABLE, dt);
        RunRecord run = new RunRecord(runId, "guidance-sweep", TABLE, dt, curve.size(), curve.size(), 0, 0, 0, started, Instant.now());
        run.append(warehouse);
        System.out.println(run.summary());
        return 0;
    }

    /** (prompt_id, prompt, responses) → one row per sample: its token-mean log-probability under {@code model}. */
    static MapPartitionsFunction<Row, Row> meanLogProbs(String model, int batchSize) {
        record Samples(String promptId, int[] prompt, List<int[]> responses) {}
        return rows -> {
            ExecutorModels.TaskModel lm = ExecutorModels.taskModel(model);
            return LengthSortedBatches.map(rows, row -> {
                List<Message> prompt = ModelRows.messages(row, "prompt");
                List<int[]> responses = new ArrayList<>();
                for (Row r : row.<Row>getList(row.fieldIndex("responses"))) {
                    responses.add(lm.encoder().completion(prompt, r.getAs("text")));
                }
                return new Samples(row.getAs("prompt_id"), lm.encoder().prompt(prompt), responses);
            }, s -> s.prompt().length + s.responses().stream().mapToInt(x -> x.length).max().orElse(0), batchSize, batch -> {
                List<String> ids = new ArrayList<>();
                List<int[]> contexts = new ArrayList<>();
                List<int[]> completions = new ArrayList<>();
                for (Samples s : batch) {
                    for (int[] response : s.responses()) {
                        ids.add(s.promptId());
                        contexts.add(s.prompt());
                        completions.add(response);
                    }
                }
                CompletionLogProbs scored = CompletionLogProbs.forward(lm.lm(), contexts, completions, lm.padId());
                List<Row> out = new ArrayList<>(ids.size());
                for (int i = 0; i < ids.size(); i++) {
                    out.add(RowFactory.create(ids.get(i), scored.sums()[i] / scored.lengths()[i]));
                }
                return out;
            });
        };
    }
}
