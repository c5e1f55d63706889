package org.alignspark.jobs;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.cli.BatchOption;
import org.alignspark.cli.OutputTableOption;
import org.alignspark.cli.PartitionOption;
import org.alignspark.cli.SamplingOptions;
import org.alignspark.cli.SplitOption;
import org.alignspark.cli.WarehouseOption;
import org.alignspark.common.selfcorrect.CorrectionInstruction;
import org.alignspark.common.selfcorrect.Verifier;
import org.alignspark.data.DatasetKind;
import org.alignspark.data.avro.SelfCorrectionTrace;
import org.alignspark.evaluation.SelfCorrectionMetricsTable;
import org.alignspark.generation.TwoAttemptRollout;
import org.alignspark.warehouse.AvroColumns;
import org.alignspark.warehouse.RunRecord;
import org.alignspark.warehouse.Warehouse;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.apache.spark.sql.functions.callUDF;
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
    private static final StructType PAYLOAD = new StructType().add("payload", DataTypes.BinaryType, false);

    @Option(names = "--prompts", required = true, description = "Table with prompt_id, prompt and reference_answer (e.g. self-correction traces).")
    String promptsTable;

    @Option(names = "--policy", required = true, description = "HF model folder to evaluate.")
    String policy;

    @Option(names = "--k", defaultValue = "1", description = "Two-attempt samples per prompt.")
    int k;

    @Option(names = "--instruction", defaultValue = "score",
            description = "User turn before attempt 2; 'score': SCoRe's; 'reask' repeats the question (Confidence v.s. Critique); or a text.")
    String instruction;

    @Option(names = "--verifier", defaultValue = "exact", description = "exact, numeric[:tolerance] or regex:<pattern> (group 1 is the answer).")
    String verifier;

    @Mixin PartitionOption partition;
    @Mixin SplitOption split = SplitOption.defaultingTo("test");
    @Mixin OutputTableOption output;
    @Mixin SamplingOptions sampling = SamplingOptions.withTemperature(0.0);   // greedy, as SCoRe evaluates
    @Mixin BatchOption batch = BatchOption.defaultingTo(16);
    @Mixin WarehouseOption warehouseOption;

    @Override
    public Integer call() {
        Instant started = Instant.now();
        String table = output.table();
        String dt = partition.dt();
        if (k < 1) {
            throw new IllegalArgumentException("--k must be at least 1");
        }
        Verifier check = Verifier.parse(verifier);
        TwoAttemptRollout rollout = new TwoAttemptRollout(policy, k, sampling.sampling(), sampling.seed(), batch.batchSize(),
                CorrectionInstruction.parse(instruction), check, "self-correct-eval:" + policy);
        Warehouse warehouse = warehouseOption.open("alignspark self-correct-eval " + table);
        SparkSession spark = warehouse.spark();
        Dataset<Row> input = warehouse.partition(promptsTable, dt, split.split());
        List<String> columns = List.of(input.columns());
        if (!columns.contains("reference_answer")) {
            throw new IllegalArgumentException("table " + promptsTable + " has no reference_answer column to check answers against");
        }
        Dataset<Row> prompts = input.groupBy("prompt_id").agg(first("prompt").as("prompt"),
                columns.contains("split") ? first("split").as("split") : first(lit("train")).as("split"),
                first("reference_answer", true).as("reference_answer"));
        spark.udf().register("unverifiable", (UDF1<String, String>) check::rejectReference, DataTypes.StringType);
        Dataset<Row> judged = prompts.withColumn("reason", callUDF("unverifiable", col("reference_answer"))).cache();
        Dataset<Row> rejected = judged.filter(col("reason").isNotNull()).select("prompt_id", "prompt", "reference_answer", "reason");
        long quarantined = rejected.count();
        warehouse.overwritePartition(rejected, output.beside("quarantine"), dt, quarantined == 0);

        Dataset<Row> traces = AvroColumns.decode(judged.filter(col("reason").isNull()).drop("reason")
                        .mapPartitions(rollout.traces(), Encoders.row(PAYLOAD)),
                "payload", DatasetKind.SELF_CORRECTION_TRACE.schema()).cache();
        long n = traces.count();
        warehouse.overwritePartition(traces, table, dt, n == 0);
        long promptsIn = judged.count();
        judged.unpersist();

        List<Row> verdicts = traces.select(col("prompt_id"), col("attempts").getItem(0).getField("correct"),
                col("attempts").getItem(1).getField("correct")).collectAsList();
        traces.unpersist();
        if (!verdicts.isEmpty()) {
            Row metrics = SelfCorrectionMetricsTable.row(new SelfCorrectionMetricsTable.Run(policy, promptsTable, table, split.split(), k,
                    rollout.sampling().temperature(), verifier, instruction), verdicts);
            warehouse.appendPartition(spark.createDataFrame(List.of(metrics), SelfCorrectionMetricsTable.SCHEMA).coalesce(1),
                    SelfCorrectionMetricsTable.TABLE, dt);
            System.out.println(SelfCorrectionMetricsTable.report(metrics));
        }
        RunRecord run = RunRecord.of("self-correct-eval", table, dt, promptsIn, promptsIn - quarantined, quarantined, started);
        run.append(warehouse);
        System.out.println(run.summary());
        return 0;
    }
}
