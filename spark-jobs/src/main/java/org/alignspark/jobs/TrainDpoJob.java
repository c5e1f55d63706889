package org.alignspark.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.cli.JobOptions;
import org.alignspark.cli.PairwiseLossOptions;
import org.alignspark.cli.PolicyTrainerOptions;
import org.alignspark.common.objectives.DpoLoss;
import org.alignspark.common.objectives.RunningMoments;
import org.alignspark.common.policy.DpoObjective;
import org.alignspark.common.policy.PolicyPair;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.executor.ModelRows;
import org.alignspark.train.ExampleTable;
import org.alignspark.train.PolicyTrainer;

import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code train-dpo}: the pairwise preference losses on pairs as TRL implements them (docs/spec-objectives.md §1, §11;
 * TRL's {@code DPOTrainer}, and SimPO and ORPO of its CPO and ORPO trainers), one or a weighted sum of several (MPO),
 * against the stored reference log-probs of {@code ref-logprobs} when a loss reads them.
 */
@Command(name = "train-dpo", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Pairwise preference optimization of a policy (the DPO family, SimPO, ORPO; weighted sums of them), by parameter averaging.")
public final class TrainDpoJob implements Callable<Integer> {
    @Option(names = {"--input", "--pairs"}, required = true,
            description = "PreferencePair table; ref-logprobs' output over it unless every loss is reference-free (simpo, orpo, sft, --reference-free).")
    String inputTable;

    @Mixin PairwiseLossOptions losses;
    @Mixin JobOptions job;
    @Mixin PolicyTrainerOptions training;

    @Override
    public Integer call() {
        DpoLoss.Config config = losses.config(training.beta());
        List<String> reference = PairwiseLossOptions.referenceColumns(config);
        List<String> columns = new ArrayList<>(List.of("pair_id", "prompt", "chosen", "rejected"));
        columns.addAll(reference);
        boolean summed = reference.contains("ref_logp_chosen");
        boolean tokens = reference.contains("ref_token_logps_chosen");
        PolicyTrainer policy = training.trainer(job, inputTable);
        ExampleTable<PolicyPair> pairs = policy.examples(policy.train(columns).selectExpr(columns.toArray(String[]::new)),
                "pair_id", (encoder, r) -> {
                    List<Message> prompt = ModelRows.messages(r, "prompt");
                    return new PolicyPair(r.getAs("pair_id"), encoder.prompt(prompt), encoder.completion(prompt, r.getAs("chosen")),
                            encoder.completion(prompt, r.getAs("rejected")), summed ? r.getAs("ref_logp_chosen") : Double.NaN,
                            summed ? r.getAs("ref_logp_rejected") : Double.NaN, tokens ? doubles(r, "ref_token_logps_chosen") : null,
                            tokens ? doubles(r, "ref_token_logps_rejected") : null);
                }, p -> p.prompt().length + Math.max(p.chosen().length, p.rejected().length));
        DpoObjective objective = new DpoObjective(config, policy.padId());
        if (losses.bcoPairDelta()) {
            objective = objective.withBcoPairDelta(new RunningMoments());
        }
        policy.fit(pairs, objective, "dpo/" + config.names(), losses.bcoPairDelta() ? objective::foldRound : null);
        return 0;
    }

    private static double[] doubles(Row r, String column) {
        List<Double> values = r.getList(r.fieldIndex(column));
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
