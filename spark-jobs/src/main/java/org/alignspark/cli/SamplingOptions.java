package org.alignspark.cli;

import org.alignspark.generation.Sampling;
import picocli.CommandLine.Option;

/**
 * How a job samples from a policy: {@code --temperature}, {@code --top-k}, {@code --top-p}, {@code --max-new-tokens} and
 * {@code --seed}, the base of every sample's seed. The temperature's default is the job's (greedy where its paper
 * evaluates greedily).
 */
public final class SamplingOptions {
    @Option(names = "--temperature", description = "Sampling temperature (0: greedy).")
    private double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Keep the k most likely tokens (0: all).")
    private int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling mass.")
    private double topP;

    @Option(names = "--max-new-tokens", defaultValue = "128", description = "Longest sample in tokens.")
    private int maxNewTokens;

    @Option(names = "--seed", defaultValue = "42", description = "Base of every sample's seed.")
    private long seed;

    private SamplingOptions(double temperature) {
        this.temperature = temperature;
    }

    public static SamplingOptions withTemperature(double temperature) {
        return new SamplingOptions(temperature);
    }

    /** The settings as they travel to executors, checked here on the driver. */
    public Sampling sampling() {
        Sampling sampling = new Sampling(maxNewTokens, temperature, topK, topP);
        sampling.config();
        return sampling;
    }

    public long seed() {
        return seed;
    }
}
