package org.alignspark.evaluation;

import java.util.ArrayList;
import java.util.List;

import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.GenerationConfig;
import org.alignspark.common.lm.Generator;
import org.alignspark.common.lm.PrefixScoring;
import org.alignspark.common.rm.RewardLayout;
import org.alignspark.common.rm.RewardModel;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.executor.EncodedPair;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.LengthSortedBatches;
import org.alignspark.executor.ModelRows;
import org.alignspark.generation.Sampling;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * A trained policy against its reference, as tasks over partitions (eval-policy): the implicit rewards of held-out
 * pairs, and duels of the two policies' samples judged by a reward model.
 */
public final class PolicyComparison {
    /** Per pair: log π(y|x) − log π_ref(y|x) of chosen and rejected. */
    public static final StructType IMPLICIT = StructType.fromDDL("""
            pair_id STRING NOT NULL, log_ratio_chosen DOUBLE NOT NULL, log_ratio_rejected DOUBLE NOT NULL""");
    /** Per prompt and sample seed: both policies' samples and their rewards. */
    public static final StructType DUELS = StructType.fromDDL("""
            prompt_id STRING NOT NULL, sample INT NOT NULL, policy_response STRING NOT NULL,
            reference_response STRING NOT NULL, policy_reward DOUBLE NOT NULL, reference_reward DOUBLE NOT NULL""");

    private PolicyComparison() {}

    /**
     * The policy's score in one duel: 1 if the reward model prefers its sample, 0 if it prefers the reference's, ½ for
     * a tie. Two samples of the same text tie whatever the rewards say: the reward model scores them in different
     * padded batches, and the last bits of a float are not a judgement.
     */
    public static double duelScore(String policySample, String referenceSample, double policyReward, double referenceReward) {
        if (policySample.equals(referenceSample) || policyReward == referenceReward) {
            return 0.5;
        }
        return policyReward > referenceReward ? 1 : 0;
    }

    /** Per pair, the policy's log-ratios against the stored reference log-probs; chosen and rejected scored by {@code scoring}. */
    public static MapPartitionsFunction<Row, Row> implicitRewards(String policy, int batchSize, PrefixScoring scoring,
                                                                 int logitChunkTokens) {
        return rows -> {
            ExecutorModels.TaskModel lm = ExecutorModels.taskModel(policy);
            lm.lm().setLogitChunkTokens(logitChunkTokens);
            return LengthSortedBatches.map(rows, r -> EncodedPair.of(lm, r), EncodedPair::length, batchSize, batch -> {
                double[] logps = EncodedPair.sums(lm, batch, scoring);
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

    public static MapPartitionsFunction<Row, Row> duel(String policy, String reference, String rewardModel, RewardLayout judgeLayout,
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
