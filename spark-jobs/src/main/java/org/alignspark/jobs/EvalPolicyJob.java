package org.alignspark.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.alignspark.cli.BatchOption;
import org.alignspark.cli.JobOptions;
import org.alignspark.cli.OutputTableOption;
import org.alignspark.cli.PolicyOption;
import org.alignspark.cli.SamplingOptions;
import org.alignspark.cli.LogitChunkOption;
import org.alignspark.cli.ScoringOption;
import org.alignspark.cli.SplitOption;
import org.alignspark.common.metrics.PairwiseAccuracy;
import org.alignspark.common.metrics.Proportion;
import org.alignspark.common.rm.RewardModelFolder;
import org.alignspark.common.lm.PrefixScoring;
import org.alignspark.evaluation.PolicyComparison;
import org.alignspark.warehouse.JobRun;

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

import static org.alignspark.cli.OptionChecks.require;
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
    private static final StructType RESULTS = StructType.fromDDL("""
            policy STRING NOT NULL, metric STRING NOT NULL, value DOUBLE NOT NULL, n BIGINT NOT NULL""");

    @Option(names = "--pairs", required = true, description = "Pair table with reference log-probs (ref-logprobs' output).")
    String pairsTable;

    @Option(names = "--reference", description = "HF model folder of the reference policy (for the win rate).")
    String reference;

    @Option(names = "--reward-model", description = "Reward model folder judging policy vs reference samples.")
    String rewardModel;

    @Option(names = "--samples-per-prompt", defaultValue = "1",
            description = "Duels per prompt for the win rate, each with its own seed (policy and reference share it).")
    int samplesPerPrompt;

    @Mixin JobOptions job;
    @Mixin PolicyOption policyOption;
    @Mixin SplitOption split = new SplitOption("test");
    @Mixin OutputTableOption output;
    @Mixin SamplingOptions sampling = SamplingOptions.withTemperature(0.7);
    @Mixin BatchOption batch = new BatchOption(8);
    @Mixin ScoringOption scoring = new ScoringOption(PrefixScoring.BATCHED);
    @Mixin LogitChunkOption logitChunks;

    @Override
    public Integer call() {
        String policy = policyOption.policy();
        String duelsTable = output.beside("duels");
        require((reference == null) == (rewardModel == null), "the win rate needs both --reference and --reward-model");
        require(samplesPerPrompt >= 1, "--samples-per-prompt must be at least 1, got " + samplesPerPrompt);
        JobRun run = job.start(output.table());
        SparkSession spark = run.spark();
        Dataset<Row> pairs = run.read(pairsTable, split.split());
        List<Row> results = new ArrayList<>();
        Dataset<Row> implicit = pairs.select("pair_id", "prompt", "chosen", "rejected", "ref_logp_chosen", "ref_logp_rejected")
                .mapPartitions(PolicyComparison.implicitRewards(policy, batch.batchSize(), scoring.scoring(), logitChunks.tokens()), Encoders.row(PolicyComparison.IMPLICIT)).cache();
        long n = implicit.count();
        run.overwrite(implicit, run.table(), n == 0);
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
            Dataset<Row> duels = prompts.mapPartitions(PolicyComparison.duel(policy, reference, rewardModel,
                    RewardModelFolder.layout(rewardModel), sampling.sampling(), sampling.seed(), batch.batchSize()),
                    Encoders.row(PolicyComparison.DUELS)).cache();
            List<Row> judged = duels.collectAsList();
            long prompted = judged.size();
            run.overwrite(duels, duelsTable, prompted == 0);
            duels.unpersist();
            double wins = judged.stream().mapToDouble(r -> PolicyComparison.duelScore(r.getAs("policy_response"), r.getAs("reference_response"),
                    r.getAs("policy_reward"), r.getAs("reference_reward"))).sum();
            double winRate = prompted == 0 ? Double.NaN : wins / prompted;
            results.add(RowFactory.create(policy, "win_rate_vs_reference", winRate, prompted));
            System.out.printf(Locale.ROOT, "reward-model win rate over the reference %.4f in %d duels on %d prompts (ties count half)%n",
                    winRate, prompted, judged.stream().map(r -> r.<String>getAs("prompt_id")).distinct().count());
        }
        run.append(spark.createDataFrame(results, RESULTS), TABLE);
        return 0;
    }
}
