package org.alignspark.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.alignspark.Main;
import org.alignspark.pipeline.PipelineConfig;
import org.alignspark.pipeline.StepPlan;
import org.alignspark.warehouse.Warehouse;
import org.alignspark.cli.WarehouseOption;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine;
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
    static final String TABLE = "pipeline_runs";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final StructType SCHEMA = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("pipeline", DataTypes.StringType, false)
            .add("step", DataTypes.StringType, false)
            .add("job", DataTypes.StringType, false)
            .add("status", DataTypes.StringType, false)
            .add("config_hash", DataTypes.StringType, false)
            .add("command", DataTypes.StringType, false)
            .add("outputs", DataTypes.createArrayType(DataTypes.StringType, false), false)
            .add("error", DataTypes.StringType, true)
            .add("started_at", DataTypes.TimestampType, false)
            .add("finished_at", DataTypes.TimestampType, false);

    /** What a finished step leaves behind: its config hash and which of its outputs it wrote. */
    record Marker(String step, String job, String configHash, List<String> command, Map<String, Boolean> outputs, String finishedAt) {}

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
    Map<String, String> overrides = new java.util.LinkedHashMap<>();

    @Option(names = "--plan", description = "Print each step's command and whether it is complete, and run nothing.")
    boolean planOnly;

    @Mixin
    WarehouseOption warehouseOption;

    /** The outcome, for the demo and tests: the run id, each step's status and the vars as substituted. */
    record Outcome(String runId, String work, Map<String, String> statuses, Map<String, String> vars) {}

    private Outcome outcome;

    Outcome outcome() {
        return outcome;
    }

    @Override
    public Integer call() throws IOException {
        Warehouse.checkDate(dt);
        PipelineConfig pipeline = PipelineConfig.read(config).withVars(overrides);
        for (String step : new String[]{from, only}) {
            if (step != null && pipeline.steps().stream().noneMatch(s -> s.name().equals(step))) {
                throw new IllegalArgumentException("pipeline " + pipeline.name() + " has no step '" + step + "' (steps: "
                        + pipeline.steps().stream().map(PipelineConfig.Step::name).toList() + ")");
            }
        }
        Warehouse warehouse = warehouseOption.openCatalog("alignspark pipeline " + pipeline.name());
        FileSystem fs = warehouse.root().getFileSystem(warehouse.spark().sparkContext().hadoopConfiguration());
        String workFolder = work != null ? work : new Path(warehouse.root(), "_pipelines/" + pipeline.name()).toString();
        CommandLine cli = new CommandLine(new Main());
        Map<String, String> builtins = Map.of("dt", dt, "warehouse", warehouse.root().toString(), "work", workFolder);
        Map<String, String> vars = StepPlan.vars(pipeline, builtins);
        List<StepPlan> plans = StepPlan.plan(pipeline, builtins,
                jobOption -> {
                    String[] parts = jobOption.split(" ");
                    CommandLine job = cli.getSubcommands().get(parts[0]);
                    if (job == null) {
                        throw new IllegalArgumentException("pipeline " + pipeline.name() + ": unknown job '" + parts[0] + "'");
                    }
                    return job.getCommandSpec().findOption(parts[1]) != null;
                });
        String run = runId != null ? runId : "pipeline-" + pipeline.name() + "-" + dt + "-" + java.util.UUID.randomUUID();
        Path markers = new Path(workFolder, "markers/" + Warehouse.PARTITION_COLUMN + "=" + dt);
        Map<String, String> statuses = new java.util.LinkedHashMap<>();
        boolean forced = false;
        for (StepPlan plan : plans) {
            String name = plan.step().name();
            forced |= name.equals(from);
            boolean selected = only == null || only.equals(name);
            boolean complete = complete(fs, warehouse, markers, plan);
            boolean runIt = selected && (forced || only != null || !complete);
            if (planOnly) {
                System.out.printf("%-16s %-9s %s%n", name, runIt ? "will run" : complete ? "complete" : "skipped",
                        String.join(" ", plan.args()));
                continue;
            }
            if (!runIt) {
                statuses.put(name, complete ? "complete" : "not selected");
                continue;
            }
            Instant started = Instant.now();
            System.out.printf("%n=== pipeline %s, dt %s: step %s (%s)%n", pipeline.name(), dt, name, plan.step().job());
            String error = null;
            String[] command = null;
            try {
                // A step that finished before (with another config, or forced by --from / --only) starts its folders
                // afresh: a training run would otherwise resume its finished checkpoints and keep the old model. A step
                // that failed part-way has no marker, and keeps its folders so training resumes where it stopped.
                if (fs.exists(new Path(markers, name + ".json"))) {
                    for (String output : plan.outputs()) {
                        if (output.startsWith("path:")) {
                            Path folder = new Path(output.substring("path:".length()));
                            folder.getFileSystem(fs.getConf()).delete(folder, true);
                        }
                    }
                }
                fs.delete(new Path(markers, name + ".json"), false);
                command = plan.commandLine(fs);
                int code = Main.run(command);
                if (code != 0) {
                    error = plan.step().job() + " exited with " + code + " (its error is printed above)";
                }
            } catch (RuntimeException e) {
                error = e.toString();
            }
            String status = error == null ? "succeeded" : "failed";
            statuses.put(name, status);
            if (error == null) {
                Map<String, Boolean> written = new java.util.LinkedHashMap<>();
                for (String output : plan.outputs()) {
                    written.put(output, exists(fs, warehouse, output));
                }
                try (OutputStream out = fs.create(new Path(markers, name + ".json"), true)) {
                    JSON.writeValue(out, new Marker(name, plan.step().job(), plan.configHash(), List.of(command), written,
                            Instant.now().toString()));
                }
            }
            record(warehouse, run, pipeline.name(), plan, status, command == null ? plan.args().toArray(String[]::new) : command,
                    error, started);
            if (error != null) {
                System.err.printf("pipeline %s stopped at step %s: %s%nRe-run the same command to resume from this step.%n",
                        pipeline.name(), name, error);
                outcome = new Outcome(run, workFolder, statuses, vars);
                return 1;
            }
        }
        outcome = new Outcome(run, workFolder, statuses, vars);
        if (!planOnly) {
            System.out.printf("%npipeline %s, dt %s (run %s):%n", pipeline.name(), dt, run);
            statuses.forEach((step, status) -> System.out.printf("  %-16s %s%n", step, status));
            System.out.printf("  SELECT step, status, finished_at FROM %s WHERE run_id = '%s'%n", TABLE, run);
        }
        return 0;
    }

    /** Complete: the step's marker has this config hash, and every output it wrote is still there. */
    private boolean complete(FileSystem fs, Warehouse warehouse, Path markers, StepPlan plan) throws IOException {
        Path file = new Path(markers, plan.step().name() + ".json");
        if (!fs.exists(file)) {
            return false;
        }
        Marker marker;
        try (InputStream in = fs.open(file)) {
            marker = JSON.readValue(in, Marker.class);
        }
        if (!marker.configHash().equals(plan.configHash()) || !marker.outputs().keySet().equals(new java.util.HashSet<>(plan.outputs()))) {
            return false;
        }
        for (var output : marker.outputs().entrySet()) {
            if (output.getValue() && !exists(fs, warehouse, output.getKey())) {
                return false;
            }
        }
        return true;
    }

    private boolean exists(FileSystem fs, Warehouse warehouse, String output) {
        try {
            if (output.startsWith("table:")) {
                return warehouse.hasPartition(output.substring("table:".length()), dt);
            }
            Path path = new Path(output.substring("path:".length()));
            return path.getFileSystem(fs.getConf()).exists(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void record(Warehouse warehouse, String run, String pipeline, StepPlan plan, String status, String[] command,
                               String error, Instant started) {
        var row = RowFactory.create(run, pipeline, plan.step().name(), plan.step().job(), status, plan.configHash(),
                String.join(" ", command), plan.outputs().toArray(String[]::new), error, Timestamp.from(started), Timestamp.from(Instant.now()));
        warehouse.appendPartition(warehouse.spark().createDataFrame(List.of(row), SCHEMA).coalesce(1), TABLE, dt);
    }
}
