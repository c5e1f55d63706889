package org.alignspark.jobs;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.GenerationConfig;
import org.alignspark.common.lm.Generator;
import org.alignspark.common.metrics.Proportion;
import org.alignspark.common.metrics.SelfCorrectionMetrics;
import org.alignspark.common.selfcorrect.CorrectionInstruction;
import org.alignspark.common.selfcorrect.Verifier;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.data.AvroBytes;
import org.alignspark.data.DatasetKind;
import org.alignspark.data.PromptIds;
import org.alignspark.data.avro.Attempt;
import org.alignspark.data.avro.SelfCorrectionTrace;
import org.alignspark.data.avro.Turn;
import org.alignspark.spark.AvroColumns;
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
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;

/**
 * {@code self-correct-eval}: two-attempt evaluation. For each prompt with a reference answer the policy writes attempt
 * 1 and then, after the correction instruction, attempt 2 (K samples of the pair per prompt, seeded per (prompt_id,
 * k)); a verifier judges both. Writes SelfCorrectionTrace rows, prompts that cannot be checked to
 * {@code <output>_quarantine}, and one row of {@code self_correction_metrics}: Acc@t1, Acc@t2, Δ, Δ^{i→c}, Δ^{c→i}
 * (SCoRe) and CL, CS, RSS (Confidence v.s. Critique) with counts and 95% Wilson intervals, pooled over all traces;
 * with K &gt; 1 also the per-question sampled estimator of the Confidence-v.s.-Critique code.
 */
@Command(name = "self-correct-eval", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Two-attempt self-correction evaluation: traces, Acc@t1/t2, Δ, CL, CS and RSS.")
public final class SelfCorrectEvalJob implements Callable<Integer> {
    public static final String METRICS_TABLE = "self_correction_metrics";
    private static final StructType PAYLOAD = new StructType().add("payload", DataTypes.BinaryType, false);

    @Option(names = "--prompts", required = true, description = "Table with prompt_id, prompt and reference_answer (e.g. self-correction traces).")
    String promptsTable;

    @Option(names = "--dt", required = true, description = "Partition of the prompts table and of the output, YYYY-MM-DD.")
    String dt;

    @Option(names = "--split", defaultValue = "test", description = "Prompts of this split only (train, test or all).")
    String split;

    @Option(names = "--policy", required = true, description = "HF model folder to evaluate.")
    String policy;

    @Option(names = "--output", required = true, description = "Output SelfCorrectionTrace table.")
    String output;

    @Option(names = "--k", defaultValue = "1", description = "Two-attempt samples per prompt.")
    int k;

    @Option(names = "--temperature", defaultValue = "0.0", description = "Sampling temperature (0: greedy, as SCoRe evaluates).")
    double temperature;

    @Option(names = "--max-new-tokens", defaultValue = "128", description = "Longest attempt in tokens.")
    int maxNewTokens;

    @Option(names = "--instruction", defaultValue = "score",
            description = "User turn before attempt 2; 'score': SCoRe's; 'reask' repeats the question (Confidence v.s. Critique); or a text.")
    String instruction;

    @Option(names = "--verifier", defaultValue = "exact", description = "exact, numeric[:tolerance] or regex:<pattern> (group 1 is the answer).")
    String verifier;

    @Option(names = "--seed", defaultValue = "42", description = "Base of every sample's seed.")
    long seed;

    @Option(names = "--batch-size", defaultValue = "16", description = "Sequences decoded together.")
    int batchSize;

    @Mixin
    WarehouseOption warehouseOption;

    @Override
    public Integer call() {
        Instant started = Instant.now();
        Warehouse.checkTableName(output);
        if (k < 1) {
            throw new IllegalArgumentException("--k must be at least 1");
        }
        Verifier check = Verifier.parse(verifier);
        CorrectionInstruction correction = CorrectionInstruction.parse(instruction);
        GenerateJob.Sampling sampling = new GenerateJob.Sampling(maxNewTokens, temperature, 0, 1.0);
        sampling.config();
        Warehouse warehouse = warehouseOption.open("alignspark self-correct-eval " + output);
        SparkSession spark = warehouse.spark();
        Dataset<Row> table = warehouse.partition(promptsTable, dt, split);
        List<String> columns = List.of(table.columns());
        if (!columns.contains("reference_answer")) {
            throw new IllegalArgumentException("table " + promptsTable + " has no reference_answer column to check answers against");
        }
        Dataset<Row> prompts = table.groupBy("prompt_id").agg(first("prompt").as("prompt"),
                columns.contains("split") ? first("split").as("split") : first(lit("train")).as("split"),
                first("reference_answer", true).as("reference_answer"));
        spark.udf().register("unverifiable", (org.apache.spark.sql.api.java.UDF1<String, String>) check::rejectReference, DataTypes.StringType);
        Dataset<Row> judged = prompts.withColumn("reason", org.apache.spark.sql.functions.callUDF("unverifiable", col("reference_answer"))).cache();
        Dataset<Row> rejected = judged.filter(col("reason").isNotNull()).select("prompt_id", "prompt", "reference_answer", "reason");
        long quarantined = rejected.count();
        warehouse.overwritePartition(rejected, output + "_quarantine", dt, quarantined == 0);

        Dataset<Row> traces = AvroColumns.decode(
                judged.filter(col("reason").isNull()).drop("reason")
                        .mapPartitions(evaluate(policy, k, sampling, seed, batchSize, correction, check, "self-correct-eval:" + policy),
                                Encoders.row(PAYLOAD)),
                "payload", DatasetKind.SELF_CORRECTION_TRACE.schema()).cache();
        long n = traces.count();
        warehouse.overwritePartition(traces, output, dt, n == 0);
        long promptsIn = judged.count();
        judged.unpersist();

        List<Row> verdicts = traces.select(col("prompt_id"), col("attempts").getItem(0).getField("correct"),
                col("attempts").getItem(1).getField("correct")).collectAsList();
        traces.unpersist();
        if (!verdicts.isEmpty()) {
            Row metrics = metricsRow(verdicts);
            warehouse.appendPartition(spark.createDataFrame(List.of(metrics), METRICS_SCHEMA).coalesce(1), METRICS_TABLE, dt);
            System.out.println(report(metrics));
        }
        RunRecord run = new RunRecord(RunRecord.newRunId("self-correct-eval"), "self-correct-eval", output, dt, promptsIn,
                promptsIn - quarantined, quarantined, 0, 0, started, Instant.now());
        run.append(spark, warehouse);
        System.out.println(run.summary());
        return 0;
    }

    static final StructType METRICS_SCHEMA = new StructType()
            .add("policy", DataTypes.StringType, false)
            .add("prompts_table", DataTypes.StringType, false)
            .add("traces_table", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("k", DataTypes.IntegerType, false)
            .add("temperature", DataTypes.DoubleType, false)
            .add("verifier", DataTypes.StringType, false)
            .add("instruction", DataTypes.StringType, false)
            .add("problems", DataTypes.LongType, false)
            .add("correct_to_correct", DataTypes.LongType, false)
            .add("correct_to_incorrect", DataTypes.LongType, false)
            .add("incorrect_to_correct", DataTypes.LongType, false)
            .add("incorrect_to_incorrect", DataTypes.LongType, false)
            .add("acc_t1", DataTypes.DoubleType, true).add("acc_t1_low", DataTypes.DoubleType, true).add("acc_t1_high", DataTypes.DoubleType, true)
            .add("acc_t2", DataTypes.DoubleType, true).add("acc_t2_low", DataTypes.DoubleType, true).add("acc_t2_high", DataTypes.DoubleType, true)
            .add("delta", DataTypes.DoubleType, true)
            .add("delta_i2c", DataTypes.DoubleType, true).add("delta_i2c_low", DataTypes.DoubleType, true).add("delta_i2c_high", DataTypes.DoubleType, true)
            .add("delta_c2i", DataTypes.DoubleType, true).add("delta_c2i_low", DataTypes.DoubleType, true).add("delta_c2i_high", DataTypes.DoubleType, true)
            .add("cl", DataTypes.DoubleType, true).add("cl_low", DataTypes.DoubleType, true).add("cl_high", DataTypes.DoubleType, true)
            .add("cs", DataTypes.DoubleType, true).add("cs_low", DataTypes.DoubleType, true).add("cs_high", DataTypes.DoubleType, true)
            .add("rss", DataTypes.DoubleType, true)
            .add("sampled_acc_t1", DataTypes.DoubleType, true).add("sampled_acc_t2", DataTypes.DoubleType, true)
            .add("sampled_cl", DataTypes.DoubleType, true).add("sampled_cs", DataTypes.DoubleType, true)
            .add("sampled_rss", DataTypes.DoubleType, true)
            .add("evaluated_at", DataTypes.TimestampType, false);

    /** The metrics row of verdict rows (prompt_id, correct₁, correct₂), one per trace. */
    Row metricsRow(List<Row> verdicts) {
        boolean[] c1 = new boolean[verdicts.size()];
        boolean[] c2 = new boolean[verdicts.size()];
        Map<String, List<boolean[]>> byPrompt = new TreeMap<>();
        for (int i = 0; i < verdicts.size(); i++) {
            c1[i] = verdicts.get(i).getBoolean(1);
            c2[i] = verdicts.get(i).getBoolean(2);
            byPrompt.computeIfAbsent(verdicts.get(i).getString(0), p -> new ArrayList<>()).add(new boolean[] {c1[i], c2[i]});
        }
        SelfCorrectionMetrics m = SelfCorrectionMetrics.fromTraces(c1, c2);
        List<Object> values = new ArrayList<>(List.of(policy, promptsTable, output, split, k, temperature, verifier, instruction,
                m.problems(), m.correctToCorrect(), m.correctToIncorrect(), m.incorrectToCorrect(), m.incorrectToIncorrect()));
        addWithInterval(values, m.accuracyFirst());
        addWithInterval(values, m.accuracySecond());
        values.add(m.delta());
        addWithInterval(values, m.incorrectToCorrectShare());
        addWithInterval(values, m.correctToIncorrectShare());
        addWithInterval(values, m.confidenceLevel());
        addWithInterval(values, m.critiqueScore());
        values.add(nullIfNaN(m.relativeSelfCorrectionScore()));
        if (k > 1) {
            boolean[][] first = new boolean[byPrompt.size()][];
            boolean[][] second = new boolean[byPrompt.size()][];
            int q = 0;
            for (List<boolean[]> samples : byPrompt.values()) {
                first[q] = new boolean[samples.size()];
                second[q] = new boolean[samples.size()];
                for (int s = 0; s < samples.size(); s++) {
                    first[q][s] = samples.get(s)[0];
                    second[q][s] = samples.get(s)[1];
                }
                q++;
            }
            SelfCorrectionMetrics.Estimate e = SelfCorrectionMetrics.estimateFromSamples(first, second);
            values.addAll(java.util.Arrays.asList(e.accuracyFirst(), e.accuracySecond(), nullIfNaN(e.confidenceLevel()),
                    nullIfNaN(e.critiqueScore()), nullIfNaN(e.relativeSelfCorrectionScore())));
        } else {
            values.addAll(java.util.Arrays.asList(null, null, null, null, null));
        }
        values.add(java.sql.Timestamp.from(Instant.now()));
        return new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(values.toArray(), METRICS_SCHEMA);
    }

    private static void addWithInterval(List<Object> values, Proportion p) {
        values.add(nullIfNaN(p.value()));
        Proportion.Interval ci = p.wilson95();
        values.add(p.trials() == 0 ? null : ci.lower());
        values.add(p.trials() == 0 ? null : ci.upper());
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }

    /** The metrics row as a small table for the console. */
    static String report(Row m) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "self-correction of %s on %s (split %s, k=%d, %d traces: c→c %d, c→i %d, i→c %d, i→i %d)%n",
                m.getAs("policy"), m.getAs("prompts_table"), m.getAs("split"), m.<Integer>getAs("k"), m.<Long>getAs("problems"),
                m.<Long>getAs("correct_to_correct"), m.<Long>getAs("correct_to_incorrect"),
                m.<Long>getAs("incorrect_to_correct"), m.<Long>getAs("incorrect_to_incorrect")));
        for (String[] line : new String[][] {{"Acc@t1", "acc_t1"}, {"Acc@t2", "acc_t2"}, {"Δ(t1,t2)", "delta"},
                {"Δ i→c", "delta_i2c"}, {"Δ c→i", "delta_c2i"}, {"CL", "cl"}, {"CS", "cs"}, {"RSS", "rss"}}) {
            Double value = m.getAs(line[1]);
            List<String> fields = List.of(m.schema().fieldNames());
            String ci = fields.contains(line[1] + "_low") && m.getAs(line[1] + "_low") != null
                    ? String.format(Locale.ROOT, "  [%.3f, %.3f]", m.<Double>getAs(line[1] + "_low"), m.<Double>getAs(line[1] + "_high")) : "";
            out.append(String.format(Locale.ROOT, "  %-9s %s%s%n", line[0], value == null ? "n/a" : String.format(Locale.ROOT, "%.3f", value), ci));
        }
        return out.toString();
    }

    static MapPartitionsFunction<Row, Row> evaluate(String policy, int k, GenerateJob.Sampling sampling, long seed, int batchSize,
                                                    CorrectionInstruction instruction, Verifier verifier, String source) {
        return rows -> {
            CausalLM model = ExecutorModels.replica(policy);
            ChatEncoder encoder = TrainRmJob.encoder(policy);
            GenerationConfig config = sampling.config().withStopTokens(encoder.tokenizer().eosId()).withPadId(encoder.tokenizer().padId());
            record Prompt(Row row, List<Message> messages, int[] tokens) {}
            List<Prompt> prompts = new ArrayList<>();
            rows.forEachRemaining(r -> {
                List<Message> messages = ModelRows.messages(r, "prompt");
                prompts.add(new Prompt(r, messages, encoder.prompt(messages)));
            });
            prompts.sort(Comparator.comparingInt(p -> p.tokens().length));
            AvroBytes avro = new AvroBytes();
            List<Row> out = new ArrayList<>(prompts.size() * k);
            int perBatch = Math.max(1, batchSize / k);
            for (int start = 0; start < prompts.size(); start += perBatch) {
                List<Prompt> group = prompts.subList(start, Math.min(start + perBatch, prompts.size()));
                int n = group.size() * k;
                List<int[]> firstInputs = new ArrayList<>(n);
                long[] firstSeeds = new long[n];
                long[] secondSeeds = new long[n];
                for (int i = 0; i < n; i++) {
                    Prompt p = group.get(i / k);
                    String promptId = p.row().getAs("prompt_id");
                    firstInputs.add(p.tokens());
                    firstSeeds[i] = GenerateJob.sampleSeed(seed, promptId, i % k);
                    secondSeeds[i] = GenerateJob.sampleSeed(seed, promptId + "\u0000attempt-2", i % k);
                }
                List<String> firsts = decode(encoder, Generator.generate(model, firstInputs, firstSeeds, config), config);
                List<int[]> secondInputs = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    secondInputs.add(encoder.prompt(instruction.secondTurnPrompt(group.get(i / k).messages(), firsts.get(i))));
                }
                List<String> seconds = decode(encoder, Generator.generate(model, secondInputs, secondSeeds, config), config);
                for (int i = 0; i < n; i++) {
                    Prompt p = group.get(i / k);
                    String promptId = p.row().getAs("prompt_id");
                    String reference = p.row().getAs("reference_answer");
                    Verifier.Judgement j1 = verifier.judge(firsts.get(i), reference);
                    Verifier.Judgement j2 = verifier.judge(seconds.get(i), reference);
                    List<Attempt> attempts = List.of(new Attempt(1, firsts.get(i), j1.finalAnswer(), j1.correct()),
                            new Attempt(2, seconds.get(i), j2.finalAnswer(), j2.correct()));
                    List<Turn> turns = new ArrayList<>();
                    p.messages().forEach(m -> turns.add(new Turn(m.role(), m.content())));
                    out.add(RowFactory.create((Object) avro.encode(SelfCorrectionTrace.newBuilder()
                            .setTraceId(PromptIds.contentId(promptId, reference, attempts, source, i % k))
                            .setPromptId(promptId)
                            .setPrompt(turns)
                            .setReferenceAnswer(reference)
                            .setAttempts(attempts)
                            .setCorrectionInstruction(instruction.userTurn(p.messages()))
                            .setSource(source)
                            .setSplit(p.row().getAs("split"))
                            .build())));
                }
            }
            return out.iterator();
        };
    }

    private static List<String> decode(ChatEncoder encoder, List<int[]> generated, GenerationConfig config) {
        List<String> out = new ArrayList<>(generated.size());
        for (int[] tokens : generated) {
            int[] kept = tokens;
            if (kept.length > 0 && kept[kept.length - 1] == encoder.tokenizer().eosId()) {
                kept = java.util.Arrays.copyOf(kept, kept.length - 1);
            }
            out.add(encoder.tokenizer().decode(kept));
        }
        return out;
    }
}
