package org.alignspark.pipeline;

import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Runs alignspark jobs by their command lines, as {@code bin/alignspark} does: how a pipeline launches its steps
 * without knowing the job classes. The command-line entry point gives one to the jobs it builds (pipeline, demo); a
 * job built without it, as by {@code new CommandLine(new DemoJob())}, takes the one the jar installs as a service
 * ({@code META-INF/services/org.alignspark.pipeline.JobLauncher}).
 */
public interface JobLauncher {
    /** Runs one job, {@code args} being its name and then its options, and returns its exit code. */
    int run(String... args);

    /** Every name of every option job {@code job} takes ({@code --dt}, …), or empty when there is no such job. */
    Optional<Set<String>> options(String job);

    /**
     * Why the command line {@code args} (a job's name, then its options) would not parse: an unknown option (named,
     * with picocli's suggestion), a missing required one, a value of the wrong type; empty when it parses. Nothing
     * runs. A launcher that cannot tell says empty.
     */
    default Optional<String> check(String... args) {
        return Optional.empty();
    }

    /** The launcher the jar installs. */
    static JobLauncher installed() {
        return ServiceLoader.load(JobLauncher.class).findFirst().orElseThrow(() -> new IllegalStateException(
                "no " + JobLauncher.class.getName() + " is installed (META-INF/services): cannot launch pipeline steps"));
    }
}
