package org.alignspark.jobs;

import java.io.IOException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.alignspark.cli.WarehouseOption;
import org.alignspark.pipeline.JobLauncher;
import org.alignspark.pipeline.PipelineConfig;
import org.alignspark.pipeline.PipelineRun;
import org.alignspark.pipeline.StepSelection;
import org.alignspark.report.ReportFolder;
import org.alignspark.warehouse.Warehouse;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code demo}: the bundled demo pipeline ({@code conf/demo.yaml}, carried in the jar as config {@code demo}) for one
 * date: the demo world, an ingest with broken lines, a scorer and a policy fine-tuned from scratch, K samples per
 * question, FLR scoring and mining, CHES filtering, DPO, a reward model, their evaluations, self-correction, diversity
 * and the report. Steps already complete for the date are skipped, as in {@code pipeline}. It ends with the report's
 * path and a few queries, with their results, to paste into {@code bin/alignspark sql}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Run the bundled demo pipeline (conf/demo.yaml) on the demo world, then print the report's path and queries to try.")
public final class DemoJob implements Callable<Integer> {
    /** The bundled config's name, as {@code pipeline --config} takes it. */
    private static final String DEMO = "demo";

    @Option(names = "--dt", description = "The demo's date, YYYY-MM-DD (default: today, UTC).")
    String dt;

    @Option(names = "--samples", defaultValue = "samples", description = "Folder of the committed samples (the repository's samples/).")
    String samples;

    @Option(names = "--set", paramLabel = "NAME=VALUE", description = "Replace a var of conf/demo.yaml (repeatable), as pipeline --set.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Mixin
    WarehouseOption warehouseOption;

    private final JobLauncher launcher;
    private PipelineRun.Outcome outcome;

    /** The demo, its steps run by {@code launcher}. */
    public DemoJob(JobLauncher launcher) {
        this.launcher = launcher;
    }

    /** The demo, its steps run by the installed launcher. */
    public DemoJob() {
        this(JobLauncher.installed());
    }

    PipelineRun.Outcome outcome() {
        return outcome;
    }

    @Override
    public Integer call() throws IOException {
        String date = dt != null ? dt : LocalDate.now(ZoneOffset.UTC).toString();
        Warehouse.checkDate(date);
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("samples", samples);
        vars.putAll(overrides);
        PipelineConfig pipeline = PipelineConfig.read(DEMO).withVars(vars);
        Warehouse warehouse = warehouseOption.openCatalog("alignspark pipeline " + pipeline.name());
        outcome = PipelineRun.of(pipeline, date, warehouse, null, null, launcher).run(StepSelection.of(pipeline, null, null));
        if (outcome.failed()) {
            return 1;
        }
        Path report = new Path(outcome.vars().get("report"), ReportFolder.PAGE);
        String where = "file".equals(report.toUri().getScheme()) ? report.toUri().getPath() : report.toString();
        List<String> queries = List.of(
                "SELECT job, table_name, rows_in, rows_out, rows_quarantined, duplicates, ties FROM job_runs WHERE dt = '"
                        + date + "' ORDER BY finished_at",
                "SELECT reason, count(*) AS rows FROM demo_raw_pairs_quarantine WHERE dt = '" + date + "' GROUP BY reason",
                "SELECT prompt[0].content AS question, chosen, rejected, round(score_chosen, 2) AS flr_chosen, "
                        + "round(score_rejected, 2) AS flr_rejected FROM demo_ches_pairs WHERE dt = '" + date + "'",
                "SELECT policy, metric, round(value, 3) AS value, n FROM policy_eval WHERE dt = '" + date + "'");
        var spark = warehouseOption.openCatalog("alignspark demo").spark();
        for (String query : queries) {
            Dataset<Row> result = spark.sql(query);
            System.out.printf("%n%s%n%s", query, result.showString(20, 48, false));
        }
        System.out.printf("%nThe demo's report: %s%nTables are under %s. Paste any of these:%n", where, warehouseOption.root());
        for (String query : queries) {
            System.out.printf("  bin/alignspark sql --warehouse %s \"%s\"%n", warehouseOption.root(), query);
        }
        return 0;
    }
}
