package org.alignspark;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.alignspark.cli.JobOptions;
import org.alignspark.warehouse.InputError;
import org.alignspark.jobs.FlrEvalJob;
import org.alignspark.jobs.PipelineJob;
import org.alignspark.jobs.FlrMineJob;
import org.alignspark.jobs.FlrScoreJob;
import org.alignspark.jobs.GenerateJob;
import org.alignspark.jobs.IngestJob;
import org.alignspark.jobs.InitModelJob;
import org.alignspark.jobs.MergeAdapterJob;
import org.alignspark.jobs.RefLogprobsJob;
import org.alignspark.jobs.ReportJob;
import org.alignspark.jobs.RewardTransformJob;
import org.alignspark.jobs.TrainBcoJob;
import org.alignspark.jobs.TrainDpoJob;
import org.alignspark.jobs.TrainKtoJob;
import org.alignspark.jobs.TrainListRankingJob;
import org.alignspark.jobs.ChesJob;
import org.alignspark.jobs.DemoDataJob;
import org.alignspark.jobs.DemoJob;
import org.alignspark.jobs.DiversityJob;
import org.alignspark.jobs.GuidanceSweepJob;
import org.alignspark.jobs.EvalPolicyJob;
import org.alignspark.jobs.EvalRmJob;
import org.alignspark.jobs.TrainRmJob;
import org.alignspark.jobs.TrainSftJob;
import org.alignspark.jobs.SqlJob;
import org.alignspark.jobs.ChatTemplateJob;
import org.alignspark.jobs.SelfCorrectDataJob;
import org.alignspark.jobs.SelfCorrectEvalJob;
import org.alignspark.jobs.SelfCorrectMetricsJob;
import org.alignspark.jobs.TrainScoreJob;
import org.alignspark.pipeline.JobLauncher;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one entry point: {@code spark-submit --class org.alignspark.Main alignspark.jar <job> [options]}. */
@Command(name = "alignspark", mixinStandardHelpOptions = true, version = "alignspark 0.1.0",
        description = "Mine and train on LLM alignment data with Apache Spark.",
        subcommands = {DemoJob.class, PipelineJob.class, IngestJob.class, SqlJob.class, ChatTemplateJob.class, InitModelJob.class, MergeAdapterJob.class, TrainSftJob.class, TrainRmJob.class,
                EvalRmJob.class, RefLogprobsJob.class, TrainDpoJob.class, TrainKtoJob.class, TrainBcoJob.class, TrainListRankingJob.class, EvalPolicyJob.class, GenerateJob.class, ChesJob.class,
                FlrScoreJob.class, FlrEvalJob.class, DemoDataJob.class, FlrMineJob.class, RewardTransformJob.class,
                DiversityJob.class, GuidanceSweepJob.class, SelfCorrectEvalJob.class, SelfCorrectMetricsJob.class, SelfCorrectDataJob.class, TrainScoreJob.class,
                ReportJob.class})
public final class Main implements Runnable {
    private static final JobLauncher LAUNCHER = new Launcher();

    /** Builds the jobs: those that launch other jobs (pipeline, demo) are given the launcher, the rest as picocli would. */
    private static final CommandLine.IFactory JOBS = new CommandLine.IFactory() {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            if (cls == PipelineJob.class) {
                return cls.cast(new PipelineJob(LAUNCHER));
            }
            if (cls == DemoJob.class) {
                return cls.cast(new DemoJob(LAUNCHER));
            }
            return CommandLine.defaultFactory().create(cls);
        }
    };

    @Override
    public void run() {
        new CommandLine(this, JOBS).usage(System.out);
    }

    /**
     * Runs one job and returns its exit code. Errors are reported on stderr in one line that names the input, not a
     * stack trace dump: a bad option (an unknown one named, with the closest known ones) exits 2, a job that fails 1.
     */
    public static int run(String... args) {
        args = PolicyTrainerAlias.resolve(args);
        CommandLine commandLine = new CommandLine(new Main(), JOBS);
        if (args.length > 0 && !args[0].startsWith("-") && !commandLine.getSubcommands().containsKey(args[0])) {
            var unknown = new CommandLine.UnmatchedArgumentException(commandLine, List.of(args[0]));
            commandLine.getErr().println("alignspark: unknown job '" + args[0] + "'" + suggestions(unknown)
                    + "; alignspark --help lists the jobs");
            return 2;
        }
        Optional<String> unknownOptions = args.length == 0 ? Optional.empty() : unknownOptions(commandLine, args);
        if (unknownOptions.isPresent()) {
            commandLine.getErr().println("alignspark " + args[0] + ": " + unknownOptions.get() + "; alignspark " + args[0]
                    + " --help lists its options");
            return 2;
        }
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            String reason = reason(e);
            // A run that started ends in job_runs as failed, with its error.
            cmd.getCommandSpec().mixins().values().stream().map(CommandLine.Model.CommandSpec::userObject)
                    .filter(JobOptions.class::isInstance).forEach(options -> ((JobOptions) options).failed(reason));
            cmd.getErr().println("alignspark " + cmd.getCommandName() + " failed: " + reason);
            return 1;
        });
        return commandLine.execute(args);
    }

    /**
     * What went wrong, in one line: the message of a bad input or option ({@link InputError}, an
     * IllegalArgumentException or IllegalStateException, wherever Spark wrapped it), else each exception's first line.
     */
    static String reason(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof InputError) {
                return firstLine(cause.getMessage());
            }
        }
        if ((e instanceof IllegalArgumentException || e instanceof IllegalStateException) && e.getMessage() != null) {
            return firstLine(e.getMessage());
        }
        StringBuilder reason = new StringBuilder(firstLine(e.toString()));
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            reason.append("; caused by: ").append(firstLine(cause.toString()));
        }
        return reason.toString();
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    /** Options {@code args[0]}'s job does not know, as picocli names them with its suggestions, or empty. */
    private static Optional<String> unknownOptions(CommandLine commandLine, String... args) {
        CommandLine job = commandLine.getSubcommands().get(args[0]);
        if (job == null) {
            return Optional.empty();
        }
        List<String> unknown = Arrays.stream(args).skip(1).takeWhile(a -> !a.equals("--")).filter(a -> a.matches("--[a-zA-Z][\\w-]*(=.*)?"))
                .filter(a -> !job.getCommandSpec().optionsMap().containsKey(a.split("=", 2)[0])).toList();
        return unknown.isEmpty() ? Optional.empty()
                : Optional.of(new CommandLine.UnmatchedArgumentException(job, unknown).getMessage() + optionSuggestions(job, unknown));
    }

    /**
     * Launches each job on a fresh command line, as {@link #run} does: the launcher of pipeline steps. Installed as a
     * service (META-INF/services) for jobs built without {@link #JOBS}.
     */
    public static final class Launcher implements JobLauncher {
        private CommandLine jobs;

        @Override
        public int run(String... args) {
            return Main.run(args);
        }

        @Override
        public Optional<String> check(String... args) {
            return parseError(args);
        }

        @Override
        public synchronized Optional<Set<String>> options(String job) {
            if (jobs == null) {
                jobs = new CommandLine(new Main(), JOBS);
            }
            List<String> commands = job.equals(PolicyTrainerAlias.ALIAS) ? PolicyTrainerAlias.TRAINERS : List.of(job);
            if (!jobs.getSubcommands().keySet().containsAll(commands)) {
                return Optional.empty();
            }
            return Optional.of(commands.stream().flatMap(c -> jobs.getSubcommands().get(c).getCommandSpec().options().stream())
                    .flatMap(option -> Arrays.stream(option.names())).collect(Collectors.toUnmodifiableSet()));
        }
    }

    /**
     * Why {@code args} would not parse as a job's command line, as picocli says it in one line (an unknown option with
     * the closest ones it knows, a missing required option), or empty; nothing runs.
     */
    static Optional<String> parseError(String... args) {
        CommandLine commandLine = new CommandLine(new Main(), JOBS);
        String[] resolved = PolicyTrainerAlias.resolve(args);
        // Unknown options first: picocli reports a missing required option before them, and a typo is the cause.
        Optional<String> unknown = resolved.length == 0 ? Optional.empty() : unknownOptions(commandLine, resolved);
        if (unknown.isPresent()) {
            return unknown;
        }
        try {
            commandLine.parseArgs(resolved);
            return Optional.empty();
        } catch (CommandLine.ParameterException e) {
            return Optional.of(withSuggestions(e));
        }
    }

    private static String withSuggestions(CommandLine.ParameterException e) {
        return e.getMessage() + (e instanceof CommandLine.UnmatchedArgumentException unmatched ? suggestions(unmatched) : "");
    }

    /**
     * The closest option names of {@code job} to each unknown one: picocli's own suggestions, else those within two
     * edits (Levenshtein), which catches swapped letters ({@code --fromat}) that picocli's bigram similarity misses.
     */
    private static String optionSuggestions(CommandLine job, List<String> unknown) {
        String picocli = suggestions(new CommandLine.UnmatchedArgumentException(job, unknown));
        if (!picocli.isEmpty()) {
            return picocli;
        }
        var distance = org.apache.commons.text.similarity.LevenshteinDistance.getDefaultInstance();
        List<String> close = unknown.stream().map(u -> u.split("=", 2)[0]).flatMap(u -> job.getCommandSpec().optionsMap()
                .keySet().stream().filter(name -> name.startsWith("--") && distance.apply(u, name) <= 2)).distinct().toList();
        return close.isEmpty() ? "" : " (did you mean " + String.join(" or ", close) + "?)";
    }

    private static String suggestions(CommandLine.UnmatchedArgumentException e) {
        return e.getSuggestions().isEmpty() ? "" : " (did you mean " + String.join(" or ", e.getSuggestions()) + "?)";
    }

    public static void main(String[] args) {
        int code = run(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
