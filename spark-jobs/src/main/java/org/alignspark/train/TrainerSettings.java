package org.alignspark.train;

/** What a trainer needs of its command line's trainer options: the run's config for a date and an example count. */
@FunctionalInterface
public interface TrainerSettings {
    TrainingConfig config(String dt, long examples);
}
