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
 */
public record TrainerState(int round, int epoch, int roundInEpoch, long iteration, long seed, String runId) {
}
