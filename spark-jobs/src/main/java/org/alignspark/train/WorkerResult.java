package org.alignspark.train;

import java.io.Serializable;
import java.util.Locale;

import org.alignspark.common.train.BatchResult;
import org.alignspark.common.train.TensorBundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one worker returns from a round, and (merged) what all workers returned: parameter and optimizer-state sums
 * (no optimizer state in outer mode),
 * the number of workers that contributed them, loss and metric sums, and the first failure seen.
 */
final class WorkerResult implements Serializable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerResult.class);

    TensorBundle parameterSum;
    TensorBundle optimizerSum;
    int contributors;
    int maxSteps;
    double gradNormSum;
    double computeSeconds;
    /** The slowest worker's {@link #computeSeconds}: what the round waits for before any averaging can start. */
    double slowestComputeSeconds;
    int steps;
    /** Tensor bytes the workers sent back (parameters, and optimizer state in dl4j mode). */
    long resultBytes;
    /** Workers that started this round with a fresh inner optimizer state (outer mode). */
    int freshInnerStates;
    BatchResult batches = BatchResult.empty();
    String failure;
    /** Where each worker (partition) ran when its task held a GPU: {@code executor <id> gpu <address>}. */
    java.util.TreeMap<Integer, String> gpus = new java.util.TreeMap<>();

    static WorkerResult empty() {
        return new WorkerResult();
    }

    static WorkerResult failed(String failure) {
        WorkerResult r = new WorkerResult();
        r.failure = failure;
        return r;
    }

    /**
     * One worker's result is complete: its fitting took from {@code startNanos} to now (it is also the slowest so far),
     * and the executor's log says so, so that a straggling worker can be told from a slow driver.
     */
    WorkerResult fitted(int partition, int round, long startNanos) {
        computeSeconds = (System.nanoTime() - startNanos) / 1e9;
        slowestComputeSeconds = computeSeconds;
        LOG.info(String.format(Locale.ROOT, "worker %d, round %d: %d minibatches, %d examples, %d tokens, fitted in %.3f s",
                partition, round, steps, batches.examples(), batches.tokens(), computeSeconds));
        return this;
    }

    WorkerResult merge(WorkerResult other) {
        if (failure == null) {
            failure = other.failure;
        }
        if (other.contributors > 0) {
            parameterSum = parameterSum == null ? other.parameterSum : parameterSum.addInPlace(other.parameterSum);
            optimizerSum = optimizerSum == null ? other.optimizerSum : optimizerSum.addInPlace(other.optimizerSum);
            contributors += other.contributors;
        }
        maxSteps = Math.max(maxSteps, other.maxSteps);
        gradNormSum += other.gradNormSum;
        computeSeconds += other.computeSeconds;
        slowestComputeSeconds = Math.max(slowestComputeSeconds, other.slowestComputeSeconds);
        steps += other.steps;
        resultBytes += other.resultBytes;
        freshInnerStates += other.freshInnerStates;
        batches.add(other.batches);
        gpus.putAll(other.gpus);
        return this;
    }
}
