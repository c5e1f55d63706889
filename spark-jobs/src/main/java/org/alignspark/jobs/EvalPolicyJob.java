package org.alignspark.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

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
import org.alignspark.spark.Batches;
import org.alignspark.spark.ExecutorModels;
import org.alignspark.spark.ModelRows;
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
import org.nd4j.linalg.api.buffer.DataType;
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

    @Option(names = "--dt", required = true, description = "Partition of the pair table and of the outputs, YYYY-MM-DD.")
    String dt;

    @Option(names = "--split", defaultValue = "test", description = "Split to evaluate on (train, test or all).")
    String split;

    @Option(names = "--policy", required = true, description = "HF model folder of the trained policy.")
    String policy;

    @Option(names = "--reference", description = "HF model folder of the reference policy (for the win rate).")
    String reference;

    @Option(names = "--reward-model", description = "Reward model folder judging policy vs reference samples.")
    String rewardModel;

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "Longest sample in tokens.")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0.7", description = "Sampling temperature of both policies (0: greedy).")
    double temperature;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of each prompt's samples (shared by policy and reference).")
    long seed;

    @Option(names = "--output", required = true, description = "Output table prefix: <output> (implicit rewards) and <output>_duels.")
    String output;

    @Option(names = "--samples-per-prompt", defaultValue = "1",
            description = "Duels per prompt for the win rate, each with its own seed (policy and reference share it).")
    int samplesPerPrompt;

    @Option(names = "--batch-size", defaultValue = "8", description = "Pairs or prompts per forward pass.")
    int batchSize;

    @Mixin
    WarehouseOption warehouseOption;

    @Override
    public Integer call() {
        Warehouse.checkTableName(output + "_duels");
        if ((reference == null) != (rewardModel == null)) {
            throw new IllegalArgumentException("the win rate needs both --reference and --reward-model");
        }
        Warehouse warehouse = warehouseOption.open("alignspark eval-policy");
        SparkSession spark = warehouse.spark();
        Dataset<Row> pairs = warehouse.partition(pairsTable, dt, split);
        List<Row> results = new ArrayList<>();
        Dataset<Row> implicit = pairs.select("pair_id", "prompt", "chosen", "rejected", "ref_logp_chosen", "ref_logp_rejected")
                .mapPartitions(implicitRewards(policy, batchSize), Encoders.row(IMPLICIT)).cache();
        long n = implicit.count();
        warehouse.overwritePartition(implicit, output, dt, n == 0);
        List<Row> ratios = implicit.collectAsList();
        Proportion accuracy = PairwiseAccuracy.of(ratios.stream().mapToDouble(r -> r.getDouble(1)).toArray(),
                ratios.stream().mapToDouble(r -> r.getDouble(2)).toArray());
        double margin = ratios.stream().mapToDouble(r -> r.getDouble(1) - r.getDouble(2)).average().orElse(Double.NaN);
        implicit.unpersist();
        results.add(RowFactory.create(policy, "implicit_reward_accuracy", accuracy.value(), n));
        results.add(RowFactory.create(policy, "implicit_reward_margin", margin, n));
        System.out.printf(Locale.ROOT, "implicit-reward accuracy %.4f (95%% Wilson %s), mean log-ratio margin %.4f, %d pairs%n",
                accuracy.value(), accuracy.wilson95(), margin, n);

        if (rewardModel != null) {
            if (samplesPerPrompt < 1) {
                throw new IllegalArgumentException("--samples-per-prompt must be at least 1, got " + samplesPerPrompt);
            }
            Dataset<Row> prompts = pairs.groupBy("prompt_id").agg(first("prompt").as("prompt"))
                    .crossJoin(spark.range(samplesPerPrompt).select(col("id").cast(DataTypes.IntegerType).as("sample")));
            GenerateJob.Sampling sampling = new GenerateJob.Sampling(maxNewTokens, temperature, 0, 1.0);
            Dataset<Row> duels = prompts.mapPartitions(duel(policy, reference, rewardModel, RewardModelFolder.layout(rewardModel), sampling, seed, batchSize),
                    Encoders.row(DUELS)).cache();
            List<Row> judged = duels.collectAsList();
            long prompted = judged.size();
            long distinctPrompts = judged.stream().map(r -> r.getString(0)).distinct().count();
            warehouse.overwritePartition(duels, output + "_duels", dt, prompted == 0);
            double wins = judged.stream().mapToDouble(r -> duelScore(r.getString(2), r.getString(3), r.getDouble(4), r.getDouble(5))).sum();
            duels.unpersist();
            double winRate = prompted == 0 ? Double.NaN : wins / prompted;
            results.add(RowFactory.create(policy, "win_rate_vs_reference", winRate, prompted));
            System.out.printf(Locale.ROOT, "reward-model win rate over the reference %.4f in %d duels on %d prompts (ties count half)%n",
                    winRate, prompted, distinctPrompts);
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
            CausalLM lm = ExecutorModels.replica(policy);
            ChatEncoder encoder = TrainRmJob.encoder(policy);
            List<Row> out = new ArrayList<>();
            for (List<Row> batch : Batches.of(rows, batchSize)) {
                double[] logps = RefLogprobsJob.scorePairs(lm, encoder, batch).sums();
                int n = batch.size();
                for (int i = 0; i < n; i++) {
                    Row r = batch.get(i);
                    out.add(RowFactory.create(r.getAs("pair_id"), logps[i] - r.<Double>getAs("ref_logp_chosen"),
                            logps[n + i] - r.<Double>getAs("ref_logp_rejected")));
                }
            }
            return out.iterator();
        };
    }

    static MapPartitionsFunction<Row, Row> duel(String policy, String reference, String rewardModel, RewardLayout judgeLayout,
                                               GenerateJob.Sampling sampling, long seed, int batchSize) {
        return rows -> {
            CausalLM policyLm = ExecutorModels.replica(policy);
            CausalLM referenceLm = ExecutorModels.replica(reference);
            RewardModel judge = RewardModelFolder.load(rewardModel, DataType.FLOAT);
            ChatEncoder encoder = TrainRmJob.encoder(policy);
            ChatEncoder judgeEncoder = TrainRmJob.encoder(rewardModel);
            GenerationConfig config = sampling.config().withStopTokens(encoder.tokenizer().eosId()).withPadId(encoder.tokenizer().padId());
            List<Row> out = new ArrayList<>();
            for (List<Row> batch : Batches.of(rows, batchSize)) {
                List<int[]> prompts = new ArrayList<>();
                long[] seeds = new long[batch.size()];
                for (int i = 0; i < batch.size(); i++) {
                    prompts.add(encoder.prompt(ModelRows.messages(batch.get(i), "prompt")));
                    seeds[i] = GenerateJob.sampleSeed(seed, batch.get(i).getAs("prompt_id"), batch.get(i).<Integer>getAs("sample"));
                }
                List<String> fromPolicy = decode(encoder, Generator.generate(policyLm, prompts, seeds, config));
                List<String> fromReference = decode(encoder, Generator.generate(referenceLm, prompts, seeds, config));
                List<int[]> judged = new ArrayList<>();
                for (List<String> side : List.of(fromPolicy, fromReference)) {
                    for (int i = 0; i < batch.size(); i++) {
                        judged.add(judgeLayout.encode(judgeEncoder, ModelRows.messages(batch.get(i), "prompt"), side.get(i)));
                    }
                }
                double[] rewards = judge.rewards(Batch.padded(judged, Batch.Padding.RIGHT, judgeEncoder.tokenizer().padId()));
                for (int i = 0; i < batch.size(); i++) {
                    out.add(RowFactory.create(batch.get(i).getAs("prompt_id"), batch.get(i).getAs("sample"), fromPolicy.get(i), fromReference.get(i),
                            rewards[i], rewards[batch.size() + i]));
                }
            }
            return out.iterator();
        };
    }

    private static List<String> decode(ChatEncoder encoder, List<int[]> samples) {
        int eos = encoder.tokenizer().eosId();
        List<String> texts = new ArrayList<>(samples.size());
        for (int[] tokens : samples) {
            int length = tokens.length > 0 && tokens[tokens.length - 1] == eos ? tokens.length - 1 : tokens.length;
            texts.add(encoder.tokenizer().decode(java.util.Arrays.copyOf(tokens, length)));
        }
        return texts;
    }
}
