package org.alignspark.common.train;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Which worker trains each example in an epoch, and in what order. Examples are shuffled with a seed per epoch, then
 * dealt one by one to the worker with the fewest tokens so far, so partitions carry about equal work; a worker's
 * examples are trained in the order dealt. Deterministic in (tokens, workers, seed, epoch), which is what lets a
 * resumed run continue from the same data position.
 */
public final class WorkerAssignment implements Serializable {
    private final int workers;
    private final int[] worker;
    private final int[] position;
    private final int[] perWorker;

    private WorkerAssignment(int workers, int[] worker, int[] position, int[] perWorker) {
        this.workers = workers;
        this.worker = worker;
        this.position = position;
        this.perWorker = perWorker;
    }

    public static WorkerAssignment deal(long[] tokens, int workers, long seed, int epoch) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1");
        }
        int n = tokens.length;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int[] worker = new int[n];
        int[] position = new int[n];
        int[] perWorker = new int[workers];
        long[] load = new long[workers];
        for (int example : order) {
            int w = 0;
            for (int k = 1; k < workers; k++) {
                if (load[k] < load[w]) {
                    w = k;
                }
            }
            worker[example] = w;
            position[example] = perWorker[w]++;
            load[w] += Math.max(1, tokens[example]);
        }
        return new WorkerAssignment(workers, worker, position, perWorker);
    }

    public int workers() {
        return workers;
    }

    public int worker(int example) {
        return worker[example];
    }

    public int position(int example) {
        return position[example];
    }

    /** Rounds in the epoch: enough for the busiest worker to see all its examples. */
    public int rounds(int examplesPerRound) {
        int most = Arrays.stream(perWorker).max().orElse(0);
        return (most + examplesPerRound - 1) / examplesPerRound;
    }
}
