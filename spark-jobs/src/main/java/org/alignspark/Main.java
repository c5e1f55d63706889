package org.alignspark;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.alignspark.jobs.FlrEvalJob;
import org.alignspark.jobs.PipelineJob;
import org.alignspark.jobs.FlrMineJob;
import org.alignspark.jobs.FlrScoreJob;
import org.alignspark.jobs.GenerateJob;
import org.alignspark.jobs.IngestJob;
import org.alignspark.jobs.InitModelJob;
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
import org.alignspark.jobs.TrainScoreJob;
import org.alignspark.pipeline.JobLauncher;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one entry point: {@code spark-submit --class org.alignspark.Main alignspark.jar <job> [options]}. */
@Command(name = "alignspark", mixinStandardHelpOptions = true, version = "alignspark 0.1.0",
        description = "Mine and train on LLM alignment data with Apache Spark.",
        subcommands = {DemoJob.class, PipelineJob.class, IngestJob.class, SqlJob.class, ChatTemplateJob.class, InitModelJob.class, TrainSftJob.class, TrainRmJob.class,
                EvalRmJob.class, RefLogprobsJob.class, TrainDpoJob.class, TrainKtoJob.class, TrainBcoJob.class, TrainListRankingJob.class, EvalPolicyJob.class, GenerateJob.class, ChesJob.class,
                FlrScoreJob.class, FlrEvalJob.class, DemoDataJob.class, FlrMineJob.class, RewardTransformJob.class,
                DiversityJob.class, GuidanceSweepJob.class, SelfCorrectEvalJob.class, SelfCorrectDataJob.class, TrainScoreJob.class,
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

    /** Runs one job and returns its exit code; errors are reported on stderr with their cause, not a stack trace dump. */
    public static int run(String... args) {
        args = PolicyTrainerAlias.resolve(args);
        CommandLine commandLine = new CommandLine(new Main(), JOBS);
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("alignspark " + cmd.getCommandName() + " failed: " + e);
            for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
                cmd.getErr().println("  caused by: " + cause);
            }
            return 1;
        });
        return commandLine.execute(args);
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

    public static void main(String[] args) {
        int code = run(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
