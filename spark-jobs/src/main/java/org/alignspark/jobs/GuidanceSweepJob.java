package org.alignspark.jobs;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.SequenceLogProb;
import org.alignspark.common.metrics.AnswerCollapse;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.spark.Batches;
import org.alignspark.spark.ExecutorModels;
import org.alignspark.spark.ModelRows;
import org.alignspark.spark.RunRecord;
import org.alignspark.spark.Warehouse;
import org.alignspark.spark.WarehouseOption;
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

    @Option(names = "--dt", required = true, description = "Partition of the prompts table and of guidance_sweep, YYYY-MM-DD.")
    String dt;

    @Option(names = "--split", defaultValue = "all", description = "Prompts of this split only (train, test or all).")
    String split;

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

    @Option(names = "--temperature", defaultValue = "1.0", description = "Sampling temperature.")
    double temperature;

    @Option(names = "--max-new-tokens", defaultValue = "32", description = "Longest response in tokens.")
    int maxNewTokens;

    @Option(names = "--seed", defaultValue = "42", description = "Base of every sample's seed (the same at every weight).")
    long seed;

    @Option(names = "--batch-size", defaultValue = "16", description = "Sequences decoded together.")
    int batchSize;

    @Option(names = "--answer-pattern", description = "Regex whose last match is a response's answer (default: last number, else normalized last line).")
    String answerPattern;

    @Mixin
    LogitTransformOptions transformOptions;

    @Mixin
    WarehouseOption warehouseOption;

    @Override
    public Integer call() {
        Instant started = Instant.now();
        if (k < 1 || weights.isEmpty()) {
            throw new IllegalArgumentException("need --k ≥ 1 and at least one weight");
        }
        Warehouse warehouse = warehouseOption.open("alignspark guidance-sweep");
        LogitTransforms base = transformOptions.settings(warehouse.spark());
        String scorer = coherenceModel != null ? coherenceModel : base.guidanceBase() != null ? base.guidanceBase() : policy;
        String runId = RunRecord.newRunId("guidance-sweep");
        GenerateJob.Sampling sampling = new GenerateJob.Sampling(maxNewTokens, temperature, 0, 1.0);
        sampling.config();
        AnswerCollapse.AnswerExtractor extractor = DiversityJob.extractor(answerPattern);
        Dataset<Row> prompts = GenerateJob.prompts(warehouse, promptsTable, dt, split).cache();
        List<Row> curve = new ArrayList<>();
        for (double weight : weights) {
            LogitTransforms transforms = switch (sweep) {
                case "guidance" -> base.withGuidanceWeight(weight);
                case "negative" -> base.withNegativeWeight(weight);
                case "fusion" -> base.withFusionAlpha(weight);
                default -> throw new IllegalArgumentException("--sweep must be guidance, negative or fusion, got " + sweep);
            };
            Dataset<Row> generated = GenerateJob.generate(prompts, policy, k, sampling, transforms, seed, batchSize).cache();
            Row overall = DiversityJob.overall(generated.select("prompt_id", "responses", "reference_answer")
                    .map(DiversityJob.perPrompt(extractor), Encoders.row(DiversityJob.SCHEMA))).first();
            List<Row> scored = generated.select("prompt_id", "prompt", "responses")
                    .mapPartitions(meanLogProbs(scorer, batchSize), Encoders.row(SCORED)).collectAsList();
            long promptCount = generated.count();
            generated.unpersist();
            Double meanLogProb = scored.isEmpty() ? null : scored.stream().mapToDouble(r -> r.getDouble(1)).average().orElseThrow();
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
        run.append(warehouse.spark(), warehouse);
        System.out.println(run.summary());
        return 0;
    }

    /** (prompt_id, prompt, responses) → one row per sample: its token-mean log-probability under {@code model}. */
    static MapPartitionsFunction<Row, Row> meanLogProbs(String model, int batchSize) {
        return rows -> {
            CausalLM lm = ExecutorModels.replica(model);
            ChatEncoder encoder = TrainRmJob.encoder(model);
            List<Row> out = new ArrayList<>();
            for (List<Row> batch : Batches.of(rows, Math.max(1, batchSize))) {
                List<String> ids = new ArrayList<>();
                List<int[]> contexts = new ArrayList<>();
                List<int[]> completions = new ArrayList<>();
                for (Row row : batch) {
                    List<Message> prompt = ModelRows.messages(row, "prompt");
                    for (Row r : row.<Row>getList(row.fieldIndex("responses"))) {
                        ids.add(row.getAs("prompt_id"));
                        contexts.add(encoder.prompt(prompt));
                        completions.add(encoder.completion(prompt, r.getAs("text")));
                    }
                }
                List<SequenceLogProb> logProbs = lm.sequenceLogProbs(contexts, completions, Batch.Padding.RIGHT,
                        encoder.tokenizer().padId());
                for (int i = 0; i < ids.size(); i++) {
                    if (logProbs.get(i).tokens() > 0) {
                        out.add(RowFactory.create(ids.get(i), logProbs.get(i).mean()));
                    }
                }
            }
            return out.iterator();
        };
    }
}
