package org.alignspark.jobs;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.alignspark.cli.WarehouseOption;
import org.alignspark.report.ChesFilterSection;
import org.alignspark.report.DiversitySection;
import org.alignspark.report.FlrSection;
import org.alignspark.report.GuidanceSweepSection;
import org.alignspark.report.HtmlPage;
import org.alignspark.report.Night;
import org.alignspark.report.PolicyEvaluationSection;
import org.alignspark.report.QuarantineReasonsSection;
import org.alignspark.report.ReportFolder;
import org.alignspark.report.ReportSection;
import org.alignspark.report.RewardModelSection;
import org.alignspark.report.RowAccountingSection;
import org.alignspark.report.SelfCorrectionSection;
import org.alignspark.report.TrainingCurvesSection;
import org.alignspark.warehouse.Warehouse;

import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code report}: one HTML page per nightly run, {@code <output>/index.html}, with its charts as PNG files beside it
 * (see {@link ReportFolder}). Each section is a {@link ReportSection} of {@code org.alignspark.report}, which names the
 * tables it reads; every section shows the Spark SQL that gives its data, to paste into {@code bin/alignspark sql}, and
 * a section whose table has no partition for {@code --dt} says "not run for this date" instead of failing.
 */
@Command(name = "report", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "One HTML page (with PNG charts) of a night's pipeline: row counts, quarantine reasons, FLR, CHES, "
                + "training curves, reward-model and policy evaluation, self-correction, diversity, guidance sweep.")
public final class ReportJob implements Callable<Integer> {
    @Option(names = "--dt", required = true, description = "The night to report, YYYY-MM-DD.")
    String dt;

    @Option(names = "--run", description = "Pipeline run id, shown on the page (a label: tables are read by --dt).")
    String run;

    @Option(names = "--output", defaultValue = "report", description = "Folder (any Hadoop path) for index.html and its PNG charts.")
    String output;

    @Option(names = "--flr-table", defaultValue = "flr_scores", description = "flr-score's output (FlrScore rows).")
    String flrTable;

    @Option(names = "--pairs-table", defaultValue = "flr_pairs", description = "flr-mine's output (PreferencePair rows).")
    String pairsTable;

    @Option(names = "--ches-table", defaultValue = "ches_pairs", description = "ches' output; <table>_ches_removed holds the removed pairs.")
    String chesTable;

    @Option(names = "--ches-score", defaultValue = "ln_ches", description = "Score the CHES section plots: ches or ln_ches (the one ches filtered on).")
    String chesScore;

    @Option(names = "--rm-run", defaultValue = "rm", description = "run_id of the reward-model training in training_metrics.")
    String rmRun;

    @Option(names = "--policy-run", defaultValue = "policy", description = "run_id of the policy training in training_metrics.")
    String policyRun;

    @Option(names = "--rm-eval-table", defaultValue = "rm_eval", description = "eval-rm's output (one row per pair).")
    String rmEvalTable;

    @Option(names = "--policy-eval-table", defaultValue = "policy_eval", description = "eval-policy's results table.")
    String policyEvalTable;

    @Option(names = "--self-correct-table", defaultValue = "self_correction_metrics", description = "self-correct-eval's metrics table.")
    String selfCorrectTable;

    @Option(names = "--diversity-table", defaultValue = "candidates_diversity", description = "The diversity job's output (default: that of generate's candidates).")
    String diversityTable;

    @Option(names = "--guidance-sweep-table", defaultValue = "guidance_sweep", description = "guidance-sweep's curve table.")
    String guidanceSweepTable;

    @Option(names = "--bins", defaultValue = "30", description = "Bins of each histogram.")
    int bins;

    @Option(names = "--max-reasons", defaultValue = "25", description = "Quarantine reasons listed per table (the most frequent).")
    int maxReasons;

    @Mixin
    WarehouseOption warehouseOption;

    @Override
    public Integer call() {
        Instant started = Instant.now();
        Warehouse.checkDate(dt);
        for (String table : List.of(flrTable, pairsTable, chesTable, rmEvalTable, policyEvalTable, selfCorrectTable,
                diversityTable, guidanceSweepTable)) {
            Warehouse.checkTableName(table);
        }
        if (!chesScore.equals("ches") && !chesScore.equals("ln_ches")) {
            throw new IllegalArgumentException("--ches-score must be ches or ln_ches");
        }
        if (bins < 2 || maxReasons < 1) {
            throw new IllegalArgumentException("--bins must be at least 2 and --max-reasons at least 1");
        }
        Warehouse warehouse = warehouseOption.openCatalog("alignspark report " + dt);
        Night night = new Night(warehouse, dt);
        List<ReportSection> sections = List.of(
                new RowAccountingSection(),
                new QuarantineReasonsSection(maxReasons),
                new FlrSection(pairsTable, flrTable, bins),
                new ChesFilterSection(chesTable, chesScore, bins),
                new TrainingCurvesSection(rmRun, policyRun),
                new RewardModelSection(rmEvalTable, bins),
                new PolicyEvaluationSection(policyEvalTable),
                new SelfCorrectionSection(selfCorrectTable),
                new DiversitySection(diversityTable, bins),
                new GuidanceSweepSection(guidanceSweepTable));

        HtmlPage page = new HtmlPage("alignspark nightly report — " + dt + (run == null ? "" : " — " + run))
                .meta("run", run == null ? "(none given)" : run)
                .meta("dt", dt)
                .meta("warehouse", warehouse.root().toString())
                .meta("generated", started.toString());
        for (ReportSection section : sections) {
            section.write(page, night);
        }

        Path index = ReportFolder.write(new Path(output), warehouse.spark().sparkContext().hadoopConfiguration(), page);
        long absent = page.sections().stream().filter(HtmlPage.Section::absent).count();
        System.out.printf(Locale.ROOT, "%nreport            %s%nsections          %d (%d not run for this date)%ncharts            %d%n",
                index, page.sections().size(), absent, page.charts().size());
        return 0;
    }
}
