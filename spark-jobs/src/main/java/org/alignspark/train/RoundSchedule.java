package org.alignspark.train;

/**
 * How many minibatches each worker fits in a round, and so where in its epoch's data each round starts: post-local SGD
 * (Lin et al., "Don't Use Large Mini-Batches, Use Local SGD", ICLR 2020, arXiv 1808.07217, §3 "post-local SGD"):
 * during a warm-up the workers average after every minibatch (synchronous mini-batch SGD), then every
 * {@code frequency} minibatches (local SGD with H = frequency). The run's first {@code syncWarmupSteps} rounds are
 * the warm-up: one minibatch each, so they are the run's first {@code syncWarmupSteps} optimizer steps.
 *
 * <p>A round's size depends only on how many rounds the run completed before it, so the data position of any round,
 * and the rounds an epoch needs, follow from the round counters that {@code trainer_state.json} keeps (a resumed run
 * continues at the same example).
 *
 * @param frequency minibatches per round after the warm-up ({@code --averaging-frequency})
 * @param syncWarmupSteps rounds of one minibatch at the start of the run ({@code --sync-warmup-steps}; 0: none)
 */
record RoundSchedule(int frequency, int syncWarmupSteps) {
    RoundSchedule {
        if (frequency < 1 || syncWarmupSteps < 0) {
            throw new IllegalArgumentException("averaging frequency must be at least 1 and --sync-warmup-steps at least 0, got "
                    + frequency + " and " + syncWarmupSteps);
        }
    }

    /** Minibatches per worker in the round that follows {@code roundsBefore} completed rounds of the run. */
    int minibatches(int roundsBefore) {
        return roundsBefore < syncWarmupSteps ? 1 : frequency;
    }

    /** Minibatches a worker fitted in rounds {@code [from, to)} of the run. */
    long minibatchesBetween(int from, int to) {
        long warmup = Math.max(0, Math.min(to, syncWarmupSteps) - from);
        return warmup + (long) (to - from - warmup) * frequency;
    }

    /**
     * The first minibatch (within the epoch) of round {@code roundInEpoch} of an epoch whose first round is round
     * {@code epochStart} of the run.
     */
    long firstMinibatch(int epochStart, int roundInEpoch) {
        return minibatchesBetween(epochStart, epochStart + roundInEpoch);
    }

    /** Rounds an epoch starting at round {@code epochStart} of the run needs for its busiest worker's minibatches. */
    int rounds(int epochStart, int minibatches) {
        int warmup = Math.min(minibatches, Math.max(0, syncWarmupSteps - epochStart));
        return warmup + (minibatches - warmup + frequency - 1) / frequency;
    }
}
