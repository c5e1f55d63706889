package org.alignspark.cli;

import org.alignspark.train.PolicyTrainer;
import picocli.CommandLine.Mixin;

/**
 * The options the policy trainers (train-dpo, train-kto, train-bco, train-list-ranking) share: the base model, the
 * token limit and the trainer's settings; {@link #trainer} gives the shared {@link PolicyTrainer} core over them.
 */
public final class PolicyTrainerOptions {
    @Mixin private ModelOption model;
    @Mixin private TokenLimitOption limit;
    @Mixin private TrainerOptions trainer;

    /** The policy trainer of {@code job}'s run over the night's partition of {@code inputTable}. */
    public PolicyTrainer trainer(JobOptions job, String inputTable) {
        return new PolicyTrainer(job.name(), job.open(), inputTable, job.dt(), model.baseModel(), limit.maxLength(), trainer);
    }
}
