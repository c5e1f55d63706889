package org.alignspark.jobs;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.alignspark.cli.JobOptions;
import org.alignspark.cli.PolicyTrainerOptions;
import org.alignspark.common.objectives.DpoLoss;
import org.alignspark.common.policy.DpoObjective;
import org.alignspark.common.policy.PolicyPair;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.executor.ModelRows;
import org.alignspark.train.ExampleTable;
import org.alignspark.train.PolicyTrainer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code train-dpo}: the DPO family on preference pairs as TRL implements it (docs/spec-objectives.md §1; TRL's
 * {@code DPOTrainer}): sigmoid (DPO; cDPO with label smoothing), robust, hinge and IPO, with RPO's NLL term on chosen,
 * against the stored reference log-probs of {@code ref-logprobs}.
 */
@Command(name = "train-dpo", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "DPO-family preference optimization of a policy on pairs (sigmoid, robust, hinge, IPO; RPO), by parameter averaging.")
public final class TrainDpoJob implements Callable<Integer> {
    @Option(names = {"--input", "--pairs"}, required = true, description = "ref-logprobs' output over a PreferencePair table.")
    String inputTable;

    @Option(names = "--loss", defaultValue = "sigmoid", description = "sigmoid, robust, hinge or ipo.")
    String loss;

    @Option(names = "--label-smoothing", defaultValue = "0.0", description = "ε of conservative DPO (sigmoid) and robust DPO.")
    double labelSmoothing;

    @Option(names = "--rpo-alpha", defaultValue = "0.0", description = "Weight of RPO's NLL term on chosen (0: none).")
    double rpoAlpha;

    @Mixin JobOptions job;
    @Mixin PolicyTrainerOptions training;

    @Override
    public Integer call() {
        DpoLoss.Config config = new DpoLoss.Config(training.beta(), DpoLoss.Type.valueOf(loss.toUpperCase(Locale.ROOT)), labelSmoothing, false, rpoAlpha);
        PolicyTrainer policy = training.trainer(job, inputTable);
        ExampleTable<PolicyPair> pairs = policy.examples(
                policy.train(List.of("pair_id", "prompt", "chosen", "rejected", "ref_logp_chosen", "ref_logp_rejected"))
                        .select("pair_id", "prompt", "chosen", "rejected", "ref_logp_chosen", "ref_logp_rejected"),
                "pair_id", (encoder, r) -> {
                    List<Message> prompt = ModelRows.messages(r, "prompt");
                    return new PolicyPair(r.getAs("pair_id"), encoder.prompt(prompt), encoder.completion(prompt, r.getAs("chosen")),
                            encoder.completion(prompt, r.getAs("rejected")), r.getAs("ref_logp_chosen"), r.getAs("ref_logp_rejected"));
                }, p -> p.prompt().length + Math.max(p.chosen().length, p.rejected().length));
        policy.fit(pairs, new DpoObjective(config, policy.padId()), "dpo/" + loss, null);
        return 0;
    }
}
