package org.alignspark.cli;

import java.time.Instant;

import org.alignspark.warehouse.JobRun;
import org.alignspark.warehouse.RunRecord;
import org.alignspark.warehouse.StartedRuns;
import org.alignspark.warehouse.Warehouse;
import org.alignspark.warehouse.WriteGuard;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The options every warehouse job shares, as one mixin: the night ({@code --dt}), the warehouse ({@code --warehouse})
 * and what a run may do to the partition it replaces ({@link WriteGuardOption}); {@link #start} opens them as the
 * job's {@link JobRun}, named for the job's command.
 */
public final class JobOptions {
    @Mixin private PartitionOption partition;
    @Mixin private WarehouseOption warehouse;
    @Mixin private WriteGuardOption guard;
    @Spec(Spec.Target.MIXEE) private CommandSpec command;
    private JobRun run;

    /** The job's command name, as job_runs and the pipeline's steps know it. */
    public String name() {
        return command.name();
    }

    /** The night, checked. */
    public String dt() {
        return partition.dt();
    }

    /** The warehouse root as given, for commands a job prints. */
    public String warehouseRoot() {
        return warehouse.root();
    }

    /** The run of this job that writes {@code table}: the Spark application is {@code alignspark <job> <table>}. */
    public JobRun start(String table) {
        Instant started = Instant.now();
        String job = command.name();
        String dt = dt();
        WriteGuard writeGuard = guard.guard();
        JobRun run = new JobRun(job, table, dt, warehouse.open("alignspark " + job + " " + table), RunRecord.newRunId(job),
                started, writeGuard);
        StartedRuns.start(run);
        this.run = run;
        return run;
    }

    /**
     * Ends the run this job started, if it has not ended, as failed with {@code error}, one line (the entry point
     * calls it for a job that threw). A failure to record the failure is logged, never hides the error itself.
     */
    public void failed(String error) {
        if (run != null) {
            try {
                run.fail(error);
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(JobOptions.class).warn("cannot record the failure of {}", run.runId(), e);
            }
        }
    }

    /** {@link #start}, with every table under the root in the catalog, for jobs that query tables by name. */
    public JobRun startWithCatalog(String table) {
        JobRun run = start(table);
        run.warehouse().registerAll();
        return run;
    }

    /** The warehouse alone, for jobs that keep no run record of their own (the trainers record theirs per run id). */
    public Warehouse open() {
        return warehouse.open("alignspark " + command.name());
    }
}
