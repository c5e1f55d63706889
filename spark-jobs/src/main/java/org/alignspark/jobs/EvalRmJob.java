package org.alignspark.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.alignspark.cli.BatchOption;
import org.alignspark.cli.JobOptions;
import org.alignspark.cli.OutputTableOption;
import org.alignspark.cli.SplitOption;
import org.alignspark.common.lm.Batch;
import org.alignspark.common.metrics.PairwiseAccuracy;
import org.alignspark.common.rm.RewardLayout;
import org.alignspark.common.rm.RewardModel;
import org.alignspark.common.rm.RewardModelFolder;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.LengthSortedBatches;
import org.alignspark.executor.ModelRows;
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

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

/**
 * {@code eval-rm}: scores chosen and rejected of a pair table's split with a reward model and writes the rewards as
 * tables Spark SQL can join to the pairs: {@code <output>} (one row per pair: both rewards, the margin, correct) and
 * {@code <output>_responses} (one row per response, the input of reward-transform). Pairwise accuracy counts ties
 * as wrong, as RewardBench does.
 */
@Command(name = "eval-rm", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Score held-out pairs with a reward model: pairwise accuracy, margins, and reward tables.")
public final class EvalRmJob implements Callable<Integer> {
    private static final StructType REWARDS = StructType.fromDDL("""
            pair_id STRING NOT NULL, prompt_id STRING NOT NULL, reward_chosen DOUBLE NOT NULL,
            reward_rejected DOUBLE NOT NULL, reward_margin DOUBLE NOT NULL, correct BOOLEAN NOT NULL""");

    @Option(names = "--pairs", required = true, description = "PreferencePair table.")
    String pairsTable;

    @Option(names = "--reward-model", required = true, description = "Reward model folder written by train-rm (a reward model folder, or its LoRA adapter folder).")
    String rewardModel;

    @Option(names = "--model-id", description = "Value of the reward_model column (default: the folder's name).")
    String modelId;

    @Mixin JobOptions job;
    @Mixin SplitOption split = new SplitOption("test");
    @Mixin OutputTableOption output;
    @Mixin BatchOption batch = new BatchOption(16);

    @Override
    public Integer call() {
        JobRun run = job.start(output.table());
        String model = modelId == null ? new org.apache.hadoop.fs.Path(rewardModel).getName() : modelId;
        RewardLayout layout = RewardModelFolder.layout(rewardModel);   // read once here: a broken file fails before any task

        Dataset<Row> pairs = run.read(pairsTable, split.split());
        Dataset<Row> rewards = pairs.select("pair_id", "prompt_id", "prompt", "chosen", "rejected")
                .mapPartitions(score(rewardModel, layout, batch.batchSize()), Encoders.row(REWARDS))
                .withColumn("reward_model", lit(model)).cache();
        long n = rewards.count();
        run.overwrite(rewards, run.table(), n == 0);
        Dataset<Row> responses = rewards.select(col("prompt_id"), concat(col("pair_id"), lit(":chosen")).as("response_id"),
                        col("reward_model"), col("reward_chosen").as("reward"))
                .union(rewards.select(col("prompt_id"), concat(col("pair_id"), lit(":rejected")).as("response_id"),
                        col("reward_model"), col("reward_rejected").as("reward")));
        run.overwrite(responses, output.beside("responses"), n == 0);

        List<Row> all = rewards.select("reward_chosen", "reward_rejected").collectAsList();
        double[] chosen = all.stream().mapToDouble(r -> r.getDouble(0)).toArray();
        double[] rejected = all.stream().mapToDouble(r -> r.getDouble(1)).toArray();
        double[] quartiles = n == 0 ? new double[3]
                : rewards.stat().approxQuantile("reward_margin", new double[]{0.25, 0.5, 0.75}, 0.0);
        rewards.unpersist();
        System.out.printf(Locale.ROOT, "%nreward model      %s (%s layout)%npairs             %d (%s split of %s, dt=%s)%n"
                        + "accuracy          %.4f (ties count as wrong)%nmargin quartiles  %.4f / %.4f / %.4f%n",
                model, layout.name(), n, split.split(), pairsTable, run.dt(), n == 0 ? Double.NaN : PairwiseAccuracy.of(chosen, rejected).value(),
                quartiles[0], quartiles[1], quartiles[2]);
        run.record(n, n, 0);
        return 0;
    }

    /** Rewards of each pair's chosen and rejected conversations, a batch of pairs per forward pass. */
    static MapPartitionsFunction<Row, Row> score(String rewardModel, RewardLayout layout, int batchSize) {
        record Judged(Row row, int[] chosen, int[] rejected) {}
        return rows -> {
            RewardModel model = ExecutorModels.rewardModel(rewardModel);
            ChatEncoder encoder = ExecutorModels.encoder(rewardModel);
            return LengthSortedBatches.map(rows, r -> {
                List<Message> prompt = ModelRows.messages(r, "prompt");
                return new Judged(r, layout.encode(encoder, prompt, r.getAs("chosen")), layout.encode(encoder, prompt, r.getAs("rejected")));
            }, j -> Math.max(j.chosen().length, j.rejected().length), batchSize, batch -> {
                List<int[]> sequences = new ArrayList<>();
                batch.forEach(j -> sequences.add(j.chosen()));
                batch.forEach(j -> sequences.add(j.rejected()));
                double[] rewards = model.rewards(Batch.padded(sequences, Batch.Padding.RIGHT, encoder.tokenizer().padId()));
                List<Row> out = new ArrayList<>(batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    double c = rewards[i];
                    double r = rewards[batch.size() + i];
                    Row row = batch.get(i).row();
                    out.add(RowFactory.create(row.getAs("pair_id"), row.getAs("prompt_id"), c, r, c - r, c > r));
                }
                return out;
            });
        };
    }
}
