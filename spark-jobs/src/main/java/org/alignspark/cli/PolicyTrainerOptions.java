package org.alignspark.cli;

import org.alignspark.train.PolicyTrainer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options the policy trainers (train-dpo, train-kto, train-bco, train-list-ranking) share: β of the implicit
 * reward β·log π/π_ref that every one of their losses scores by (TRL's {@code beta} in each trainer's config), the
 * base model, the token limit, the trainer's settings, LoRA's and the memory options'; {@link #trainer} gives the shared {@link PolicyTrainer}
 * core over them.
 */
public final class PolicyTrainerOptions {
    @Option(names = "--beta", defaultValue = "0.1",
            description = "β of the implicit reward β·log π/π_ref: strength of the KL constraint (τ for IPO; TPO's code uses 0.5).")
    private double beta;

    @Mixin private ModelOption model;
    @Mixin private TokenLimitOption limit;
    @Mixin private TrainerOptions trainer;
    @Mixin private LoraOptions lora;
    @Mixin private TrainingMemoryOptions memory;

    public double beta() {
        return beta;
    }

    /** The policy trainer of {@code job}'s run over the night's partition of {@code inputTable}. */
    public PolicyTrainer trainer(JobOptions job, String inputTable) {
        return new PolicyTrainer(job.name(), job.open(), inputTable, job.dt(), model.baseModel(), limit.maxLength(), trainer,
                lora.config(), memory.settings());
    }
}
