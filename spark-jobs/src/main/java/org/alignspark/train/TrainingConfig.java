package org.alignspark.train;

import java.io.Serializable;

import org.alignspark.common.train.OptimizerConfig;
import org.alignspark.executor.GpuStages;

/**
 * One parameter-averaged training run.
 *
 * @param runId names the run in metrics and checkpoints
 * @param output checkpoint folder (any Hadoop path); a run started again with the same output resumes there
 * @param workers partitions that each train a copy of the model
 * @param epochs passes over the examples
 * @param batchSizePerWorker examples per minibatch on each worker
 * @param averagingFrequency minibatches each worker fits between two averagings
 * @param checkpointEvery rounds between checkpoints (0: only the final one)
 * @param seed data order and any sampling
 * @param dt partition of the training_metrics rows
 * @param crashAfterRound fault injection for tests: the driver fails right after this round (0: never)
 * @param averaging how worker results are combined each round (DL4J's averaging, or an outer step)
 * @param gpus the ResourceProfile the training stage asks for (off: the default profile)
 */
public record TrainingConfig(String runId, String output, int workers, int epochs, int batchSizePerWorker,
                             int averagingFrequency, int checkpointEvery, long seed, OptimizerConfig optimizer,
                             String dt, int crashAfterRound, Averaging averaging, GpuStages gpus) implements Serializable {
    public TrainingConfig {
        averaging = averaging == null ? Averaging.dl4j() : averaging;
        gpus = gpus == null ? GpuStages.off() : gpus;
        if (workers < 1 || epochs < 1 || batchSizePerWorker < 1 || averagingFrequency < 1 || checkpointEvery < 0) {
            throw new IllegalArgumentException("workers, epochs, batch size and averaging frequency must be at least 1");
        }
    }

    /** A run on the default profile's executors. */
    public TrainingConfig(String runId, String output, int workers, int epochs, int batchSizePerWorker,
                          int averagingFrequency, int checkpointEvery, long seed, OptimizerConfig optimizer,
                          String dt, int crashAfterRound, Averaging averaging) {
        this(runId, output, workers, epochs, batchSizePerWorker, averagingFrequency, checkpointEvery, seed, optimizer,
                dt, crashAfterRound, averaging, GpuStages.off());
    }

    /** A run with DL4J's averaging. */
    public TrainingConfig(String runId, String output, int workers, int epochs, int batchSizePerWorker,
                          int averagingFrequency, int checkpointEvery, long seed, OptimizerConfig optimizer,
                          String dt, int crashAfterRound) {
        this(runId, output, workers, epochs, batchSizePerWorker, averagingFrequency, checkpointEvery, seed, optimizer,
                dt, crashAfterRound, Averaging.dl4j(), GpuStages.off());
    }
}
