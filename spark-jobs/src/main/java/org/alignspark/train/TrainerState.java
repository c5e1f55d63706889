package org.alignspark.train;

/**
 * Where a run stands, saved as trainer_state.json in every checkpoint.
 *
 * @param round rounds completed over the whole run
 * @param epoch epoch of the next round
 * @param roundInEpoch round of the next round within its epoch (the data position)
 * @param iteration optimizer steps taken (drives the learning-rate schedule and Adam's bias correction)
 * @param seed the run's seed (data order)
 * @param runId the run that wrote the checkpoint
 * @param averaging the run's averaging mode ({@code dl4j} or {@code outer}), which decides what the checkpoint's
 *                  driver-side optimizer file holds; checkpoints written before the option existed are {@code dl4j}
 * @param syncWarmupSteps the run's {@code --sync-warmup-steps}, which (with the round counters) places each round's
 *                        data; checkpoints written before the option existed are 0
 * @param logHistory every round's metrics up to this checkpoint (Hugging Face's trainer_state.json keeps its
 *                   {@code log_history} the same way): a resumed run writes from it the training_metrics rows that a
 *                   crash between the checkpoint and the table append would otherwise lose
 */
public record TrainerState(int round, int epoch, int roundInEpoch, long iteration, long seed, String runId,
                           String averaging,
                           @com.fasterxml.jackson.annotation.JsonProperty("sync_warmup_steps") int syncWarmupSteps,
                           @com.fasterxml.jackson.annotation.JsonProperty("log_history") java.util.List<ParameterAveraging.RoundMetrics> logHistory) {
    public TrainerState {
        averaging = averaging == null ? Averaging.Mode.DL4J.cliName() : averaging;
        logHistory = logHistory == null ? java.util.List.of() : java.util.List.copyOf(logHistory);   // checkpoints written before log_history
    }

    Averaging.Mode averagingMode() {
        return Averaging.Mode.parse(averaging);
    }

    TrainerState withLogHistory(java.util.List<ParameterAveraging.RoundMetrics> history) {
        return new TrainerState(round, epoch, roundInEpoch, iteration, seed, runId, averaging, syncWarmupSteps, history);
    }
}
