package org.alignspark.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.alignspark.cli.BatchOption;
import org.alignspark.cli.OutputTableOption;
import org.alignspark.cli.PartitionOption;
import org.alignspark.cli.SamplingOptions;
import org.alignspark.cli.SplitOption;
import org.alignspark.cli.WarehouseOption;
import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.GenerationConfig;
import org.alignspark.common.lm.Generator;
import org.alignspark.common.metrics.PairwiseAccuracy;
import org.alignspark.common.metrics.Proportion;
import org.alignspark.common.rm.RewardLayout;
import org.alignspark.common.rm.RewardModel;
import org.alignspark.common.rm.RewardModelFolder;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.executor.EncodedPair;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.LengthSortedBatches;
import org.alignspark.executor.ModelRows;
import org.alignspark.generation.Sampling;
import org.alignspark.warehouse.Warehouse;

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

/**
 * {@code eval-policy}: a trained policy on held-out pairs of a ref-logprobs table — implicit rewards
 * β-free log-ratios log π(y|x) − log π_ref(y|x) of chosen and rejected, their accuracy (strict &gt;) and margins — and,
 * given a reward model and the reference policy, the win rate of the policy's samples over the reference's samples
 * on the same prompts (same seed per prompt), as judged by the reward model; ties count half.
 */
@Command(name = "eval-policy", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Implicit-reward accuracy of a policy on held-out pairs, and its reward-model win rate over the reference.")
public final class EvalPolicyJob implements Callable<Integer> {
    static final String TABLE = "policy_eval";
    private static final StructType IMPLICIT = new StructType()
            .add("pair_id", DataTypes.StringType, false)
            .add("log_ratio_chosen", DataTypes.DoubleType, false)
            .add("log_ratio_rejected", DataTypes.DoubleType, false);
    private static final StructType DUELS = new StructType()
            .add("prompt_id", DataTypes.StringType, false)
            .add("sample", DataTypes.IntegerType, false)
            .add("policy_response", DataTypes.StringType, false)
            .add("reference_response", DataTypes.StringType, false)
            .add("policy_reward", DataTypes.DoubleType, false)
            .add("reference_reward", DataTypes.DoubleType, false);
    private static final StructType RESULTS = new StructType()
            .add("policy", DataTypes.StringType, false)
            .add("metric", DataTypes.StringType, false)
            .add("value", DataTypes.DoubleType, false)
            .add("n", DataTypes.LongType, false);

    @Option(names = "--pairs", required = true, description = "Pair table with reference log-probs (ref-logprobs' output).")
    String pairsTable;

    @Option(names = "--policy", required = true, description = "HF model folder of the trained policy.")
    String policy;

    @Option(names = "--reference", description = "HF model folder of the reference policy (for the win rate).")
    String reference;

    @Option(names = "--reward-model", description = "Reward model folder judging policy vs reference samples.")
    String rewardModel;

    @Option(names = "--samples-per-prompt", defaultValue = "1",
            description = "Duels per prompt for the win rate, each with its own seed (policy and reference share it).")
    int samplesPerPrompt;

    @Mixin PartitionOption partition;
    @Mixin SplitOption split = SplitOption.defaultingTo("test");
    @Mixin OutputTableOption output;
    @Mixin SamplingOptions sampling = SamplingOptions.withTemperature(0.7);
    @Mixin BatchOption batch = BatchOption.defaultingTo(8);
    @Mixin WarehouseOption warehouseOption;

    @Override
    public Integer call() {
        String table = output.table();
        String duelsTable = output.beside("duels");
        String dt = partition.dt();
        if ((reference == null) != (rewardModel == null)) {
            throw new IllegalArgumentException("the win rate needs both --reference and --reward-model");
        }
        if (samplesPerPrompt < 1) {
            throw new IllegalArgumentException("--samples-per-prompt must be at least 1, got " + samplesPerPrompt);
        }
        Warehouse warehouse = warehouseOption.open("alignspark eval-policy");
        SparkSession spark = warehouse.spark();
        Dataset<Row> pairs = warehouse.partition(pairsTable, dt, split.split());
        List<Row> results = new ArrayList<>();
        Dataset<Row> implicit = pairs.select("pair_id", "prompt", "chosen", "rejected", "ref_logp_chosen", "ref_logp_rejected")
                .mapPartitions(implicitRewards(policy, batch.batchSize()), Encoders.row(IMPLICIT)).cache();
        long n = implicit.count();
        warehouse.overwritePartition(implicit, table, dt, n == 0);
        List<Row> ratios = implicit.collectAsList();
        implicit.unpersist();
        double[] chosen = ratios.stream().mapToDouble(r -> r.<Double>getAs("log_ratio_chosen")).toArray();
        double[] rejected = ratios.stream().mapToDouble(r -> r.<Double>getAs("log_ratio_rejected")).toArray();
        Proportion accuracy = PairwiseAccuracy.of(chosen, rejected);
        double margin = java.util.stream.IntStream.range(0, chosen.length).mapToDouble(i -> chosen[i] - rejected[i]).average().orElse(Double.NaN);
        results.add(RowFactory.create(policy, "implicit_reward_accuracy", accuracy.value(), n));
        results.add(RowFactory.create(policy, "implicit_reward_margin", margin, n));
        System.out.printf(Locale.ROOT, "implicit-reward accuracy %.4f (95%% Wilson %s), mean log-ratio margin %.4f, %d pairs%n",
                accuracy.value(), accuracy.wilson95(), margin, n);

        if (rewardModel != null) {
            Dataset<Row> prompts = pairs.groupBy("prompt_id").agg(first("prompt").as("prompt"))
                    .crossJoin(spark.range(samplesPerPrompt).select(col("id").cast(DataTypes.IntegerType).as("sample")));
            Dataset<Row> duels = prompts.mapPartitions(duel(policy, reference, rewardModel, RewardModelFolder.layout(rewardModel),
                    sampling.sampling(), sampling.seed(), batch.batchSize()), Encoders.row(DUELS)).cache();
            List<Row> judged = duels.collectAsList();
            long prompted = judged.size();
            warehouse.overwritePartition(duels, duelsTable, dt, prompted == 0);
            duels.unpersist();
            double wins = judged.stream().mapToDouble(r -> duelScore(r.getAs("policy_response"), r.getAs("reference_response"),
                    r.getAs("policy_reward"), r.getAs("reference_reward"))).sum();
            double winRate = prompted == 0 ? Double.NaN : wins / prompted;
            results.add(RowFactory.create(policy, "win_rate_vs_reference", winRate, prompted));
            System.out.printf(Locale.ROOT, "reward-model win rate over the reference %.4f in %d duels on %d prompts (ties count half)%n",
                    winRate, prompted, judged.stream().map(r -> r.<String>getAs("prompt_id")).distinct().count());
        }
        warehouse.appendPartition(spark.createDataFrame(results, RESULTS), TABLE, dt);
        return 0;
    }

    /**
     * The policy's score in one duel: 1 if the reward model prefers its sample, 0 if it prefers the reference's, ½ for
     * a tie. Two samples of the same text tie whatever the rewards say: the reward model scores them in different
     * padded batches, and the last bits of a float are not a judgement.
     */
    static double duelScore(String policySample, String referenceSample, double policyReward, double referenceReward) {
        if (policySample.equals(referenceSample) || policyReward == referenceReward) {
            return 0.5;
        }
        return policyReward > referenceReward ? 1 : 0;
    }

    static MapPartitionsFunction<Row, Row> implicitRewards(String policy, int batchSize) {
        return rows -> {
            ExecutorModels.TaskModel lm = ExecutorModels.taskModel(policy);
            return LengthSortedBatches.map(rows, r -> EncodedPair.of(lm, r), EncodedPair::length, batchSize, batch -> {
                double[] logps = EncodedPair.score(lm, batch).sums();
                int n = batch.size();
                List<Row> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    Row r = batch.get(i).row();
                    out.add(RowFactory.create(r.getAs("pair_id"), logps[i] - r.<Double>getAs("ref_logp_chosen"),
                            logps[n + i] - r.<Double>getAs("ref_logp_rejected")));
                }
                return out;
            });
        };
    }

    static MapPartitionsFunction<Row, Row> duel(String policy, String reference, String rewardModel, RewardLayout judgeLayout,
                                               Sampling sampling, long seed, int batchSize) {
        record Prompt(Row row, List<Message> messages, int[] tokens) {}
        return rows -> {
            ExecutorModels.TaskModel policyLm = ExecutorModels.taskModel(policy);
            CausalLM referenceLm = ExecutorModels.replica(reference);
            RewardModel judge = ExecutorModels.rewardModel(rewardModel);
            ChatEncoder judgeEncoder = ExecutorModels.encoder(rewardModel);
            GenerationConfig config = sampling.config(policyLm.tokenizer());
            return LengthSortedBatches.map(rows, r -> {
                List<Message> messages = ModelRows.messages(r, "prompt");
                return new Prompt(r, messages, policyLm.encoder().prompt(messages));
            }, p -> p.tokens().length, batchSize, batch -> {
                List<int[]> prompts = batch.stream().map(Prompt::tokens).toList();
                long[] seeds = batch.stream().mapToLong(p -> Sampling.sampleSeed(seed, p.row().getAs("prompt_id"),
                        p.row().<Integer>getAs("sample"))).toArray();
                List<String> fromPolicy = Sampling.texts(policyLm.tokenizer(), Generator.generate(policyLm.lm(), prompts, seeds, config),
                        config.stopTokens());
                List<String> fromReference = Sampling.texts(policyLm.tokenizer(), Generator.generate(referenceLm, prompts, seeds, config),
                        config.stopTokens());
                List<int[]> judged = new ArrayList<>();
                for (List<String> side : List.of(fromPolicy, fromReference)) {
                    for (int i = 0; i < batch.size(); i++) {
                        judged.add(judgeLayout.encode(judgeEncoder, batch.get(i).messages(), side.get(i)));
                    }
                }
                double[] rewards = judge.rewards(Batch.padded(judged, Batch.Padding.RIGHT, judgeEncoder.tokenizer().padId()));
                List<Row> out = new ArrayList<>(batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    Row r = batch.get(i).row();
                    out.add(RowFactory.create(r.getAs("prompt_id"), r.getAs("sample"), fromPolicy.get(i), fromReference.get(i),
                            rewards[i], rewards[batch.size() + i]));
                }
                return out;
            });
        };
    }
}
