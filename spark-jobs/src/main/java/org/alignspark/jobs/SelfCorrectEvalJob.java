package org.alignspark.jobs;

import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.cli.BatchOption;
import org.alignspark.cli.JobOptions;
import org.alignspark.cli.OutputTableOption;
import org.alignspark.cli.PolicyOption;
import org.alignspark.cli.SamplingOptions;
import org.alignspark.cli.SelfCorrectionOptions;
import org.alignspark.cli.SplitOption;
import org.alignspark.common.selfcorrect.Verifier;
import org.alignspark.data.DatasetKind;
import org.alignspark.data.avro.SelfCorrectionTrace;
import org.alignspark.evaluation.SelfCorrectionMetricsTable;
import org.alignspark.generation.GenerationPlan;
import org.alignspark.generation.TwoAttemptRollout;
import org.alignspark.warehouse.AvroColumns;
import org.alignspark.warehouse.JobRun;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.alignspark.cli.OptionChecks.require;
import static org.apache.spark.sql.functions.callUDF;
import static org.apache.spark.sql.functions.col;

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
    @Option(names = "--prompts", required = true, description = "Table with prompt_id, prompt and reference_answer (e.g. self-correction traces).")
    String promptsTable;

    @Option(names = "--k", defaultValue = "1", description = "Two-attempt samples per prompt.")
    int k;

    @Mixin JobOptions job;
    @Mixin PolicyOption policyOption;
    @Mixin SelfCorrectionOptions selfCorrection;
    @Mixin SplitOption split = new SplitOption("test");
    @Mixin OutputTableOption output;
    @Mixin SamplingOptions sampling = SamplingOptions.withTemperature(0.0);   // greedy, as SCoRe evaluates
    @Mixin BatchOption batch = new BatchOption(16);

    @Override
    public Integer call() {
        String policy = policyOption.policy();
        require(k >= 1, "--k must be at least 1");
        Verifier check = selfCorrection.verifier();
        TwoAttemptRollout rollout = new TwoAttemptRollout(policy, k, sampling.sampling(), sampling.seed(), batch.batchSize(),
                selfCorrection.instruction(), check, "self-correct-eval:" + policy);
        JobRun run = job.start(output.table());
        SparkSession spark = run.spark();
        Dataset<Row> input = run.read(promptsTable, split.split());
        require(List.of(input.columns()).contains("reference_answer"),
                "table " + promptsTable + " has no reference_answer column to check answers against");
        Dataset<Row> prompts = GenerationPlan.prompts(input);
        spark.udf().register("unverifiable", (UDF1<String, String>) check::rejectReference, DataTypes.StringType);
        Dataset<Row> judged = prompts.withColumn("reason", callUDF("unverifiable", col("reference_answer"))).cache();
        Dataset<Row> rejected = judged.filter(col("reason").isNotNull()).select("prompt_id", "prompt", "reference_answer", "reason");
        long quarantined = rejected.count();
        run.overwrite(rejected, output.beside("quarantine"), quarantined == 0);

        Dataset<Row> traces = AvroColumns.mapPartitions(judged.filter(col("reason").isNull()).drop("reason"), rollout.traces(),
                DatasetKind.SELF_CORRECTION_TRACE.schema()).cache();
        long n = traces.count();
        run.overwrite(traces, run.table(), n == 0);
        long promptsIn = judged.count();
        judged.unpersist();

        List<Row> verdicts = traces.select(col("prompt_id"), col("attempts").getItem(0).getField("correct"),
                col("attempts").getItem(1).getField("correct")).collectAsList();
        traces.unpersist();
        if (!verdicts.isEmpty()) {
            Row metrics = SelfCorrectionMetricsTable.row(new SelfCorrectionMetricsTable.Run(policy, promptsTable, run.table(), split.split(), k,
                    rollout.sampling().temperature(), selfCorrection.verifierText(), selfCorrection.instructionText()), verdicts);
            run.append(spark.createDataFrame(List.of(metrics), SelfCorrectionMetricsTable.SCHEMA).coalesce(1), SelfCorrectionMetricsTable.TABLE);
            System.out.println(SelfCorrectionMetricsTable.report(metrics));
        }
        System.out.println(run.record(promptsIn, promptsIn - quarantined, quarantined).summary());
        return 0;
    }
}
