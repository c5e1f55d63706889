package org.alignspark.pipeline;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.alignspark.warehouse.Warehouse;
import org.apache.hadoop.fs.Path;

/**
 * One run of a planned pipeline for one night: each selected step launched in order, its marker written when it
 * succeeds ({@link StepMarkers}) and its outcome appended to {@code pipeline_runs} ({@link PipelineRunsTable}). The run
 * stops at the first step that fails; the same command run again resumes there.
 */
public final class PipelineRun {
    /** The outcome: the run id, each step's status (succeeded, failed, complete, not selected) and the vars as substituted. */
    public record Outcome(String runId, String work, Map<String, String> statuses, Map<String, String> vars) {
        public boolean failed() {
            return statuses.containsValue("failed");
        }
    }

    private final PipelinePlan plan;
    private final String runId;
    private final StepMarkers markers;
    private final PipelineRunsTable runs;
    private final JobLauncher launcher;

    public PipelineRun(PipelinePlan plan, String runId, StepMarkers markers, PipelineRunsTable runs, JobLauncher launcher) {
        this.plan = plan;
        this.runId = runId;
        this.markers = markers;
        this.runs = runs;
        this.launcher = launcher;
    }

    /**
     * The run of {@code pipeline} for {@code dt}, planned: {@code work} defaults to {@code <warehouse>/_pipelines/<name>}
     * and {@code runId} to {@code pipeline-<name>-<dt>-<uuid>}.
     */
    public static PipelineRun of(PipelineConfig pipeline, String dt, Warehouse warehouse, String work, String runId,
                                 JobLauncher launcher) throws IOException {
        String folder = work != null ? work : new Path(warehouse.root(), "_pipelines/" + pipeline.name()).toString();
        PipelinePlan plan = PipelinePlan.of(pipeline, dt, warehouse.root().toString(), folder, launcher);
        String id = runId != null ? runId : "pipeline-" + pipeline.name() + "-" + dt + "-" + UUID.randomUUID();
        return new PipelineRun(plan, id, new StepMarkers(warehouse, folder, dt), new PipelineRunsTable(warehouse, dt), launcher);
    }

    /** Prints each step's command line and whether it would run, and runs nothing. */
    public Outcome printPlan(StepSelection selection) throws IOException {
        for (StepPlan step : plan.steps()) {
            boolean complete = markers.complete(step);
            System.out.printf("%-16s %-9s %s%n", step.step().name(), selection.runs(step.step().name(), complete) ? "will run"
                    : complete ? "complete" : "skipped", String.join(" ", step.args()));
        }
        return outcome(new LinkedHashMap<>());
    }

    /** Runs the selected steps in order, and prints each step's status at the end. */
    public Outcome run(StepSelection selection) throws IOException {
        String pipeline = plan.pipeline().name();
        Map<String, String> statuses = new LinkedHashMap<>();
        for (StepPlan step : plan.steps()) {
            String name = step.step().name();
            boolean complete = markers.complete(step);
            if (!selection.runs(name, complete)) {
                statuses.put(name, complete ? "complete" : "not selected");
                continue;
            }
            String error = launch(step);
            statuses.put(name, error == null ? "succeeded" : "failed");
            if (error != null) {
                System.err.printf("pipeline %s stopped at step %s: %s%nRe-run the same command to resume from this step.%n",
                        pipeline, name, error);
                return outcome(statuses);
            }
        }
        System.out.printf("%npipeline %s, dt %s (run %s):%n", pipeline, plan.dt(), runId);
        statuses.forEach((step, status) -> System.out.printf("  %-16s %s%n", step, status));
        System.out.printf("  SELECT step, status, finished_at FROM %s WHERE run_id = '%s'%n", PipelineRunsTable.TABLE, runId);
        return outcome(statuses);
    }

    /** Runs one step: null when it succeeded (and its marker is written), else why it failed. */
    private String launch(StepPlan step) throws IOException {
        Instant started = Instant.now();
        System.out.printf("%n=== pipeline %s, dt %s: step %s (%s)%n", plan.pipeline().name(), plan.dt(), step.step().name(),
                step.step().job());
        String error = null;
        String[] command = null;
        try {
            markers.clear(step);
            command = step.commandLine(markers.fs());
            int code = launcher.run(command);
            if (code != 0) {
                error = step.step().job() + " exited with " + code + " (its error is printed above)";
            }
        } catch (RuntimeException e) {
            error = e.toString();
        }
        if (error == null) {
            markers.finished(step, command);
        }
        runs.append(runId, plan.pipeline().name(), step, error == null ? "succeeded" : "failed",
                command == null ? step.args().toArray(String[]::new) : command, error, started);
        return error;
    }

    private Outcome outcome(Map<String, String> statuses) {
        return new Outcome(runId, plan.work(), statuses, plan.vars());
    }
}
