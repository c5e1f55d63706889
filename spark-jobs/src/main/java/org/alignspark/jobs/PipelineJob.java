package org.alignspark.jobs;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.alignspark.cli.WarehouseOption;
import org.alignspark.pipeline.JobLauncher;
import org.alignspark.pipeline.PipelineConfig;
import org.alignspark.pipeline.PipelineRun;
import org.alignspark.pipeline.StepSelection;
import org.alignspark.warehouse.Warehouse;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code pipeline}: a night's chain of jobs from a YAML config (see {@link PipelineConfig}), run in one Spark
 * application. A step that finished for this dt with the same config hash, and whose outputs are still there, is
 * skipped, so a failed night re-run with the same command resumes at the step that failed (training steps also resume
 * from their newest checkpoint). Every step's outcome is appended to {@code pipeline_runs}.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Run a chain of jobs from a YAML config for one date, skipping the steps already complete.")
public final class PipelineJob implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "Pipeline YAML (any Hadoop path), or a bundled one: demo.")
    String config;

    @Option(names = "--dt", required = true, description = "The night's date, YYYY-MM-DD (Airflow's {{ ds }}).")
    String dt;

    @Option(names = "--work", description = "Folder for models, checkpoints and step markers (default: <warehouse>/_pipelines/<name>).")
    String work;

    @Option(names = "--run-id", description = "Names this run in pipeline_runs (default: pipeline-<name>-<dt>-<uuid>).")
    String runId;

    @Option(names = "--from", description = "Re-run this step and every step after it, complete or not.")
    String from;

    @Option(names = "--only", description = "Run just this step (complete or not).")
    String only;

    @Option(names = "--set", paramLabel = "NAME=VALUE",
            description = "Replace a var of the config (repeatable); its steps' config hashes change, so they re-run.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--plan", description = "Print each step's command and whether it is complete, and run nothing.")
    boolean planOnly;

    @Mixin
    WarehouseOption warehouseOption;

    private final JobLauncher launcher;

    /** A pipeline whose steps {@code launcher} runs. */
    public PipelineJob(JobLauncher launcher) {
        this.launcher = launcher;
    }

    /** A pipeline whose steps the installed launcher runs. */
    public PipelineJob() {
        this(JobLauncher.installed());
    }

    @Override
    public Integer call() throws IOException {
        Warehouse.checkDate(dt);
        PipelineConfig pipeline = PipelineConfig.read(config).withVars(overrides);
        StepSelection selection = StepSelection.of(pipeline, from, only);
        Warehouse warehouse = warehouseOption.openCatalog("alignspark pipeline " + pipeline.name());
        PipelineRun run = PipelineRun.of(pipeline, dt, warehouse, work, runId, launcher);
        PipelineRun.Outcome outcome = planOnly ? run.printPlan(selection) : run.run(selection);
        return outcome.failed() ? 1 : 0;
    }
}
