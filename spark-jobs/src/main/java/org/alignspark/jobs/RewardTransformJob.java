package org.alignspark.jobs;

import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.cli.JobOptions;
import org.alignspark.cli.OutputTableOption;
import org.alignspark.common.rewards.LscRewardTransform;
import org.alignspark.warehouse.JobRun;
import org.alignspark.warehouse.RunRecord;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.types.DataTypes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.apache.spark.sql.functions.callUDF;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * {@code reward-transform}: the LSC transform of "Transforming and Combining Rewards" (Wang et al. 2024, docs/spec-objectives.md
 * §4) over reward tables. For each reward model k and prompt x, r_ref,k(x) is a quantile of the rewards of the
 * reference policy's samples for x; each response gets u_k = log σ(r_k − r_ref,k(x)), and responses scored by every
 * reward model get u = Σ_k u_k (the "logical AND" combination).
 *
 * <p>Reads {@code --rewards} (prompt_id, response_id, reward_model, reward) and {@code --reference-rewards}
 * (prompt_id, reward_model, reward); writes {@code <output>} (one row per response and model), {@code <output>_combined}
 * (one row per response), and {@code <output>_quarantine} for rows that cannot be transformed.
 */
@Command(name = "reward-transform", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "LSC-transform rewards against reference-policy samples and sum them over reward models.")
public final class RewardTransformJob implements Callable<Integer> {

    @Option(names = "--rewards", required = true, description = "Table of (prompt_id, response_id, reward_model, reward) to transform.")
    String rewardsTable;

    @Option(names = "--reference-rewards", required = true,
            description = "Table of (prompt_id, reward_model, reward) for the reference policy's samples.")
    String referenceTable;

    @Option(names = "--reference-rule", defaultValue = "gaussian-85",
            description = "How r_ref(x) comes from the reference rewards: gaussian-85 (mean + 1.0364·std, PAR's reading) "
                    + "or quantile=Q (empirical Q-quantile). Both are stated readings: the paper's rule was not found.")
    String referenceRule;

    @Mixin JobOptions job;
    @Mixin OutputTableOption outputTable;

    static LscRewardTransform.ReferenceRule parseRule(String rule) {
        if (rule.equals("gaussian-85")) {
            return LscRewardTransform.GaussianQuantile.percentile85();
        }
        if (rule.startsWith("quantile=")) {
            return new LscRewardTransform.EmpiricalQuantile(Double.parseDouble(rule.substring("quantile=".length())));
        }
        throw new IllegalArgumentException("--reference-rule must be gaussian-85 or quantile=Q, got '" + rule + "'");
    }

    @Override
    public Integer call() {
        LscRewardTransform.ReferenceRule rule = parseRule(referenceRule);
        JobRun run = job.start(outputTable.table());
        String output = run.table();
        SparkSession spark = run.spark();
        spark.udf().register("lsc_reference", (UDF1<scala.collection.Seq<Double>, Double>) rewards ->
                rule.referenceValue(scala.collection.JavaConverters.seqAsJavaList(rewards).stream().mapToDouble(Double::doubleValue).toArray()),
                DataTypes.DoubleType);
        spark.udf().register("lsc_transform", (UDF2<Double, Double, Double>) LscRewardTransform::transform, DataTypes.DoubleType);

        Dataset<Row> rewards = run.read(rewardsTable).select("prompt_id", "response_id", "reward_model", "reward");
        Dataset<Row> references = run.read(referenceTable)
                .groupBy("prompt_id", "reward_model")
                .agg(callUDF("lsc_reference", collect_list(col("reward"))).as("r_ref"), count(lit(1)).as("reference_samples"));
        Dataset<Row> joined = rewards.join(references, scala.collection.JavaConverters.asScalaBuffer(List.of("prompt_id", "reward_model")).toSeq(), "left").cache();

        Column unusable = col("r_ref").isNull().or(col("reward").isNull()).or(col("reward").isNaN());
        Dataset<Row> transformed = joined.filter(unusable.unary_$bang())
                .withColumn("u", callUDF("lsc_transform", col("reward"), col("r_ref")));
        Dataset<Row> quarantined = joined.filter(unusable)
                .withColumn("reason", when(col("r_ref").isNull(), lit("no reference-policy rewards for this prompt and reward model"))
                        .otherwise(lit("reward is null or NaN")));
        long models = rewards.select("reward_model").distinct().count();
        Dataset<Row> combined = transformed.groupBy("prompt_id", "response_id")
                .agg(sum("u").as("u"), count(lit(1)).as("reward_models"))
                .filter(col("reward_models").equalTo(models));
        Dataset<Row> incomplete = transformed.groupBy("prompt_id", "response_id")
                .agg(count(lit(1)).as("reward_models"))
                .filter(col("reward_models").lt(models))
                .withColumn("reason", concat(lit("scored by "), col("reward_models").cast("string"),
                        lit(" of " + models + " reward models: left out of the combined utility")));

        long rowsIn = rewards.count();
        long rowsQuarantined = quarantined.count();
        run.checkQuarantine(rowsIn, rowsQuarantined);
        run.overwrite(transformed, output, rowsIn == rowsQuarantined);
        run.overwrite(quarantined.select("prompt_id", "response_id", "reward_model", "reward", "reason"),
                outputTable.beside("quarantine"), rowsQuarantined == 0);
        long combinedRows = combined.count();
        run.overwrite(combined, outputTable.beside("combined"), combinedRows == 0);
        long incompleteRows = incomplete.count();
        if (incompleteRows > 0) {
            System.out.println(incompleteRows + " responses lack a usable reward from some model and are not in "
                    + output + "_combined; see " + output + "_quarantine and " + output);
        }
        joined.unpersist();
        RunRecord record = run.record(rowsIn, rowsIn - rowsQuarantined, rowsQuarantined);
        System.out.println(record.summary());
        System.out.println("combined utilities: " + combinedRows + " responses scored by all " + models + " reward models");
        return record.balanced() ? 0 : 1;
    }
}
