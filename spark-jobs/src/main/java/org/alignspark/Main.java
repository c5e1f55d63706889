package org.alignspark;

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
import org.alignspark.jobs.SelfCorrectDataJob;
import org.alignspark.jobs.SelfCorrectEvalJob;
import org.alignspark.jobs.TrainScoreJob;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one entry point: {@code spark-submit --class org.alignspark.Main alignspark.jar <job> [options]}. */
@Command(name = "alignspark", mixinStandardHelpOptions = true, version = "alignspark 0.1.0",
        description = "Mine and train on LLM alignment data with Apache Spark.",
        subcommands = {DemoJob.class, PipelineJob.class, IngestJob.class, SqlJob.class, InitModelJob.class, TrainSftJob.class, TrainRmJob.class,
                EvalRmJob.class, RefLogprobsJob.class, TrainDpoJob.class, TrainKtoJob.class, TrainBcoJob.class, TrainListRankingJob.class, EvalPolicyJob.class, GenerateJob.class, ChesJob.class,
                FlrScoreJob.class, FlrEvalJob.class, DemoDataJob.class, FlrMineJob.class, RewardTransformJob.class,
                DiversityJob.class, GuidanceSweepJob.class, SelfCorrectEvalJob.class, SelfCorrectDataJob.class, TrainScoreJob.class,
                ReportJob.class})
public final class Main implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Runs one job and returns its exit code; errors are reported on stderr with their cause, not a stack trace dump. */
    public static int run(String... args) {
        args = PolicyTrainerAlias.resolve(args);
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("alignspark " + cmd.getCommandName() + " failed: " + e);
            for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
                cmd.getErr().println("  caused by: " + cause);
            }
            return 1;
        });
        return commandLine.execute(args);
    }

    public static void main(String[] args) {
        int code = run(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
