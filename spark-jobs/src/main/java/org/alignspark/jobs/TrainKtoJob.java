package org.alignspark.jobs;

import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.cli.JobOptions;
import org.alignspark.cli.PolicyTrainerOptions;
import org.alignspark.common.objectives.KtoLoss;
import org.alignspark.common.policy.KtoObjective;
import org.alignspark.train.PolicyTrainer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code train-kto}: KTO on binary feedback (docs/spec-objectives.md §2; TRL's {@code KTOTrainer}), its KL reference
 * point from each example's mismatched completion that {@code ref-logprobs} stored.
 */
@Command(name = "train-kto", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "KTO on binary feedback (desirable / undesirable completions), by parameter averaging.")
public final class TrainKtoJob implements Callable<Integer> {
    @Option(names = "--input", required = true, description = "ref-logprobs' output over a BinaryFeedback table.")
    String inputTable;

    @Option(names = "--desirable-weight", defaultValue = "1.0", description = "Weight w_D of desirable examples.")
    double desirableWeight;

    @Option(names = "--undesirable-weight", defaultValue = "1.0", description = "Weight w_U of undesirable examples.")
    double undesirableWeight;

    @Mixin JobOptions job;
    @Mixin PolicyTrainerOptions training;

    @Override
    public Integer call() {
        PolicyTrainer policy = training.trainer(job, inputTable);
        KtoLoss.Config config = new KtoLoss.Config(training.beta(), desirableWeight, undesirableWeight, KtoLoss.Type.KTO);
        policy.fit(policy.feedback(List.of("ref_logp", "kl_completion", "ref_logp_kl"), null),
                new KtoObjective(config, policy.padId()), "kto", null);
        return 0;
    }
}
