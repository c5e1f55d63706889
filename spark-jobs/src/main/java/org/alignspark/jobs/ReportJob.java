package org.alignspark.jobs;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import org.alignspark.report.Charts;
import org.alignspark.report.Histogram;
import org.alignspark.report.HtmlPage;
import org.alignspark.report.HtmlPage.Cell;
import org.alignspark.warehouse.RunRecord;
import org.alignspark.warehouse.Warehouse;
import org.alignspark.cli.WarehouseOption;
import org.alignspark.train.TrainingMetricsTable;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.knowm.xchart.internal.chartpart.Chart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code report}: one HTML page per nightly run, {@code <output>/index.html}, with its charts as PNG files beside it
 * (referenced by relative name: copy the folder and it still reads). Every section shows the Spark SQL that gives its
 * data, to paste into {@code bin/alignspark sql}; a section whose table has no partition for {@code --dt} says
 * "not run for this date" instead of failing. The sections and the tables they read:
 * <ul>
 * <li>jobs: {@code job_runs} (RunRecord) — every job of the date, its row counts and the balance
 *     rows_in = rows_out + rows_quarantined + duplicates + ties;</li>
 * <li>quarantine: every {@code *_quarantine} table with a {@code reason} column (ingest, flr-mine, train-rm,
 *     reward-transform), rows grouped by reason;</li>
 * <li>flr: {@code --pairs-table} (flr-mine's PreferencePair rows: score_chosen / score_rejected are the FLR of each side)
 *     and {@code --flr-table} (flr-score's FlrScore rows, every response);</li>
 * <li>ches: {@code --ches-table} and {@code <ches-table>_ches_removed} (ches), the histogram of {@code --ches-score}
 *     with the cut at the highest kept score;</li>
 * <li>training: {@code training_metrics} rows of {@code --rm-run} and {@code --policy-run} (loss, accuracies, margins
 *     per round), and every run of the date;</li>
 * <li>reward model: {@code --rm-eval-table} (eval-rm: reward_chosen, reward_rejected, reward_margin, correct, reward_model);</li>
 * <li>policy: {@code --policy-eval-table} (eval-policy: policy, metric, value, n — implicit-reward accuracy and margin,
 *     win rate over the reference);</li>
 * <li>self-correction: {@code --self-correct-table} (self-correct-eval: policy, split, problems, acc_t1/acc_t2 with
 *     _low/_high 95% bounds, delta, delta_i2c, delta_c2i, the four transition counts, evaluated_at);</li>
 * <li>diversity: {@code --diversity-table} (diversity: scope 'overall' or 'prompt', samples, distinct_1, distinct_2,
 *     self_bleu, distinct_answers, answer_collapse, reference_accuracy);</li>
 * <li>guidance sweep: {@code --guidance-sweep-table} (guidance-sweep: run_id, sweep, weight, prompts, samples,
 *     reference_accuracy, mean_logprob, distinct_1, distinct_2, self_bleu, answer_collapse_rate) as curves over the
 *     weight.</li>
 * </ul>
 */
@Command(name = "report", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "One HTML page (with PNG charts) of a night's pipeline: row counts, quarantine reasons, FLR, CHES, "
                + "training curves, reward-model and policy evaluation, self-correction, diversity, guidance sweep.")
public final class ReportJob implements Callable<Integer> {
    static final String PAGE = "index.html";

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

    private SparkSession spark;
    private Warehouse warehouse;
    private final Map<String, byte[]> charts = new TreeMap<>();

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
        warehouse = warehouseOption.openCatalog("alignspark report " + dt);
        spark = warehouse.spark();

        HtmlPage page = new HtmlPage("alignspark nightly report — " + dt + (run == null ? "" : " — " + run))
                .meta("run", run == null ? "(none given)" : run)
                .meta("dt", dt)
                .meta("warehouse", warehouse.root().toString())
                .meta("generated", started.toString());
        jobs(page.section("jobs", "Jobs and row counts"));
        quarantine(page.section("quarantine", "Quarantine reasons"));
        flr(page.section("flr", "FLR scores: chosen vs rejected"));
        ches(page.section("ches", "CHES filter"));
        training(page.section("training", "Training curves"));
        rewardModel(page.section("reward-model", "Reward-model accuracy"));
        policy(page.section("policy", "Policy evaluation"));
        selfCorrection(page.section("self-correction", "Self-correction"));
        diversity(page.section("diversity", "Generation diversity"));
        guidanceSweep(page.section("guidance-sweep", "Guidance-weight sweep"));

        write(page.render());
        long absent = page.sections().stream().filter(HtmlPage.Section::absent).count();
        System.out.printf(Locale.ROOT, "%nreport            %s%nsections          %d (%d not run for this date)%ncharts            %d%n",
                new Path(output, PAGE), page.sections().size(), absent, charts.size());
        return 0;
    }

    private void jobs(HtmlPage.Section section) {
        String sql = "SELECT job, table_name, run_id, rows_in, rows_out, rows_quarantined, duplicates, ties,\n"
                + "       rows_in = rows_out + rows_quarantined + duplicates + ties AS balanced,\n"
                + "       unix_timestamp(finished_at) - unix_timestamp(started_at) AS seconds\n"
                + "FROM " + RunRecord.TABLE + " WHERE dt = '" + dt + "' ORDER BY started_at, job";
        if (!present(RunRecord.TABLE)) {
            section.notRun("no job recorded a run in " + RunRecord.TABLE + " for dt=" + dt + ".").sql(sql);
            return;
        }
        List<Row> runs = spark.sql(sql).collectAsList();
        List<List<Object>> rows = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<Long> in = new ArrayList<>();
        List<Long> out = new ArrayList<>();
        List<Long> quarantined = new ArrayList<>();
        List<Long> dropped = new ArrayList<>();
        long unbalanced = 0;
        for (Row r : runs) {
            boolean balanced = r.getBoolean(8);
            long missing = r.getLong(3) - r.getLong(4) - r.getLong(5) - r.getLong(6) - r.getLong(7);
            unbalanced += balanced ? 0 : 1;
            rows.add(List.of(r.getString(0), r.getString(1), r.getString(2), r.getLong(3), r.getLong(4), r.getLong(5),
                    r.getLong(6), r.getLong(7), balanced ? new Cell("balanced", "good") : new Cell("UNBALANCED: " + missing + " rows missing", "bad"),
                    r.getLong(9)));
            labels.add((labels.size() + 1) + ". " + r.getString(0) + " " + r.getString(1));
            in.add(r.getLong(3));
            out.add(r.getLong(4));
            quarantined.add(r.getLong(5));
            dropped.add(r.getLong(6) + r.getLong(7));
        }
        section.paragraph(runs.size() + " job runs on " + dt + "; every run accounts for its input as "
                + "rows_in = rows_out + rows_quarantined + duplicates + ties (ches counts its removed pairs as quarantined).");
        if (unbalanced > 0) {
            section.note(unbalanced + " of " + runs.size() + " runs are UNBALANCED: rows went missing.");
        }
        section.table(List.of("job", "table", "run_id", "rows_in", "rows_out", "rows_quarantined", "duplicates", "ties",
                "balance", "seconds"), rows);
        Map<String, List<? extends Number>> series = Charts.ordered();
        series.put("rows_in", in);
        series.put("rows_out", out);
        series.put("rows_quarantined", quarantined);
        series.put("duplicates + ties", dropped);
        chart(section, "row_counts.png", Charts.bars("Rows per job run, dt=" + dt, "rows", labels, series));
        section.sql(sql);
    }

    private void quarantine(HtmlPage.Section section) {
        List<String> tables = spark.catalog().listTables().collectAsList().stream().map(t -> t.name())
                .filter(t -> t.endsWith("_quarantine") && Arrays.asList(spark.table(t).columns()).contains("reason"))
                .sorted().toList();
        int shown = 0;
        for (String table : tables) {
            if (!warehouse.hasPartition(table, dt)) {
                continue;
            }
            String sql = "SELECT reason, count(*) AS rows FROM " + table + " WHERE dt = '" + dt + "'\n"
                    + "GROUP BY reason ORDER BY rows DESC, reason";
            List<Row> reasons = spark.sql(sql).collectAsList();
            long total = reasons.stream().mapToLong(r -> r.getLong(1)).sum();
            section.subheading(table + ": " + total + " rows, " + reasons.size() + " reasons");
            section.table(List.of("reason", "rows"), reasons.stream().limit(maxReasons)
                    .map(r -> List.<Object>of(r.getString(0), r.getLong(1))).toList());
            if (reasons.size() > maxReasons) {
                section.paragraph((reasons.size() - maxReasons) + " rarer reasons are not listed; the query lists them all.");
            }
            section.sql(sql);
            shown++;
        }
        if (shown == 0) {
            section.paragraph("No rows were quarantined on " + dt + (tables.isEmpty() ? " (no quarantine table exists)." : ": "
                    + String.join(", ", tables) + " have no partition for this date."));
        }
    }

    private void flr(HtmlPage.Section section) {
        String sql = "SELECT side, count(*) AS pairs, avg(score) AS mean, percentile_approx(score, 0.5) AS median,\n"
                + "       min(score) AS min, max(score) AS max\n"
                + "FROM (SELECT 'chosen' AS side, score_chosen AS score FROM " + pairsTable + " WHERE dt = '" + dt + "'\n"
                + "      UNION ALL SELECT 'rejected', score_rejected FROM " + pairsTable + " WHERE dt = '" + dt + "')\n"
                + "GROUP BY side ORDER BY side";
        if (!present(pairsTable)) {
            section.notRun("flr-mine wrote no pairs to " + pairsTable + " for dt=" + dt + ".").sql(sql);
        } else {
            section.paragraph("FLR (follow-up likelihood as reward) of the chosen and the rejected response of each pair "
                    + "that flr-mine kept from " + pairsTable + " (score_chosen, score_rejected: the score it mined on).");
            section.table(List.of("side", "pairs", "mean", "median", "min", "max"), values(spark.sql(sql).collectAsList()));
            Histogram h = Histogram.of(spark.sql(sides(pairsTable, "score_chosen", "score_rejected", "chosen", "rejected")),
                    "side", "score", List.of("chosen", "rejected"), bins);
            chart(section, "flr_chosen_rejected.png",
                    Charts.histogram("FLR of chosen vs rejected, dt=" + dt, "FLR", h, null, null));
            section.sql(sql);
        }
        String scoresSql = "SELECT count(*) AS responses, count(DISTINCT prompt_id) AS prompts, avg(flr) AS mean_flr,\n"
                + "       min(flr) AS min_flr, max(flr) AS max_flr, avg(direct) AS mean_direct\n"
                + "FROM " + flrTable + " WHERE dt = '" + dt + "'";
        section.subheading("Every scored response (" + flrTable + ")");
        if (!present(flrTable)) {
            section.notRun("flr-score wrote nothing to " + flrTable + " for dt=" + dt + ".").sql(scoresSql);
            return;
        }
        section.table(List.of("responses", "prompts", "mean FLR", "min FLR", "max FLR", "mean Direct"),
                values(spark.sql(scoresSql).collectAsList()));
        section.sql(scoresSql);
    }

    private void ches(HtmlPage.Section section) {
        String removed = chesTable + "_ches_removed";
        String sql = "SELECT 'kept' AS side, pair_id, ches, ln_ches FROM " + chesTable + " WHERE dt = '" + dt + "'\n"
                + "UNION ALL\nSELECT 'removed', pair_id, ches, ln_ches FROM " + removed + " WHERE dt = '" + dt + "'";
        boolean kept = present(chesTable);
        boolean dropped = present(removed);
        if (!kept && !dropped) {
            section.notRun("ches wrote neither " + chesTable + " nor " + removed + " for dt=" + dt + ".").sql(sql);
            return;
        }
        String statsSql = "SELECT side, count(*) AS pairs, min(" + chesScore + ") AS min, avg(" + chesScore + ") AS mean, max("
                + chesScore + ") AS max\nFROM (" + (kept ? "SELECT 'kept' AS side, " + chesScore + " FROM " + chesTable
                + " WHERE dt = '" + dt + "'" : "") + (kept && dropped ? "\n      UNION ALL " : "")
                + (dropped ? "SELECT 'removed' AS side, " + chesScore + " FROM " + removed + " WHERE dt = '" + dt + "'" : "")
                + ")\nGROUP BY side ORDER BY side";
        List<Row> stats = spark.sql(statsSql).collectAsList();
        Double cut = null;
        long removedCount = 0;
        for (Row r : stats) {
            if (r.getString(0).equals("kept")) {
                cut = r.isNullAt(4) ? null : r.getDouble(4);
            } else {
                removedCount = r.getLong(1);
            }
        }
        section.paragraph("CHES / LN-CHES: similarity of the model's hidden states of chosen and rejected (Razin et al.); "
                + "ches kept the pairs with the lowest scores and moved the rest to " + removed + ". The dashed line is the "
                + "highest kept " + chesScore + ".");
        if (removedCount == 0) {
            section.note("No pair was removed on " + dt + ": there is no cut.");
            cut = null;
        } else {
            section.paragraph(String.format(Locale.ROOT, "Cut at %s = %.4f: %d pairs kept, %d removed.", chesScore, cut,
                    stats.stream().filter(r -> r.getString(0).equals("kept")).mapToLong(r -> r.getLong(1)).sum(), removedCount));
        }
        section.table(List.of("side", "pairs", "min " + chesScore, "mean " + chesScore, "max " + chesScore), values(stats));
        String union = (kept ? "SELECT 'kept' AS side, " + chesScore + " FROM " + chesTable + " WHERE dt = '" + dt + "'" : "")
                + (kept && dropped ? " UNION ALL " : "")
                + (dropped ? "SELECT 'removed' AS side, " + chesScore + " FROM " + removed + " WHERE dt = '" + dt + "'" : "");
        Histogram h = Histogram.of(spark.sql(union), "side", chesScore, List.of("kept", "removed"), bins);
        chart(section, "ches_histogram.png", Charts.histogram(chesScore + " of every pair, dt=" + dt, chesScore, h, cut,
                cut == null ? null : String.format(Locale.ROOT, "cut %.4f", cut)));
        section.sql(statsSql).sql(sql);
    }

    private void training(HtmlPage.Section section) {
        String table = TrainingMetricsTable.TABLE;
        String runsSql = "SELECT run_id, objective, count(*) AS rounds, max(examples) AS last_round_examples,\n"
                + "       max_by(loss, round) AS final_loss, sum(seconds) AS seconds\n"
                + "FROM " + table + " WHERE dt = '" + dt + "' GROUP BY run_id, objective ORDER BY run_id";
        if (!present(table)) {
            section.notRun("no training job wrote rounds to " + table + " for dt=" + dt + ".").sql(runsSql);
            return;
        }
        section.paragraph("Every training run of " + dt + ":");
        section.table(List.of("run_id", "objective", "rounds", "examples (largest round)", "final loss", "seconds"),
                values(spark.sql(runsSql).collectAsList()));
        section.sql(runsSql);
        trainingRun(section, "Reward model: run " + rmRun, rmRun, "rm");
        trainingRun(section, "Policy: run " + policyRun, policyRun, "policy");
    }

    /** Loss, accuracies and margins per round of one run; metric names follow TRL (accuracy, rewards/accuracies, …). */
    private void trainingRun(HtmlPage.Section section, String heading, String runId, String file) {
        String sql = "SELECT round, examples, loss, metrics FROM " + TrainingMetricsTable.TABLE
                + "\nWHERE dt = '" + dt + "' AND run_id = '" + runId.replace("'", "''") + "' ORDER BY round";
        section.subheading(heading);
        List<Row> rounds = spark.sql(sql).collectAsList();
        if (rounds.isEmpty()) {
            section.notRun("run " + runId + " has no rounds in " + TrainingMetricsTable.TABLE + " for dt=" + dt + ".").sql(sql);
            return;
        }
        List<double[]> loss = new ArrayList<>();
        Map<String, List<double[]>> metrics = new TreeMap<>();
        for (Row r : rounds) {
            loss.add(new double[]{r.getInt(0), r.getDouble(2)});
            Map<String, Double> m = r.getJavaMap(3);
            m.forEach((k, v) -> metrics.computeIfAbsent(k, x -> new ArrayList<>()).add(new double[]{r.getInt(0), v}));
        }
        Row last = rounds.get(rounds.size() - 1);
        List<String> columns = new ArrayList<>(List.of("last round", "examples", "loss"));
        List<Object> values = new ArrayList<>(List.of(last.getInt(0), last.getLong(1), last.getDouble(2)));
        Map<String, Double> lastMetrics = new TreeMap<>(last.getJavaMap(3));
        lastMetrics.forEach((k, v) -> {
            columns.add(k);
            values.add(v);
        });
        section.table(columns, List.of(values));
        Map<String, double[][]> lossSeries = Charts.ordered();
        lossSeries.put("loss", Charts.xy(loss));
        chart(section, file + "_loss.png", Charts.lines("Loss per round, " + runId, "round", "loss", lossSeries));
        for (String kind : List.of("accurac", "margin")) {
            Map<String, double[][]> series = Charts.ordered();
            metrics.forEach((k, points) -> {
                if (k.contains(kind)) {
                    series.put(k, Charts.xy(points));
                }
            });
            if (!series.isEmpty()) {
                String name = kind.equals("accurac") ? "accuracies" : "margins";
                chart(section, file + "_" + name + ".png", Charts.lines(name.substring(0, 1).toUpperCase(Locale.ROOT)
                        + name.substring(1) + " per round, " + runId, "round", name, series));
            }
        }
        section.sql(sql);
    }

    private void rewardModel(HtmlPage.Section section) {
        String sql = "SELECT reward_model, count(*) AS pairs, avg(CASE WHEN correct THEN 1.0D ELSE 0.0D END) AS accuracy,\n"
                + "       avg(reward_margin) AS mean_margin, percentile_approx(reward_margin, 0.5) AS median_margin\n"
                + "FROM " + rmEvalTable + " WHERE dt = '" + dt + "' GROUP BY reward_model ORDER BY reward_model";
        if (!present(rmEvalTable)) {
            section.notRun("eval-rm wrote nothing to " + rmEvalTable + " for dt=" + dt + ".").sql(sql);
            return;
        }
        section.paragraph("Pairwise accuracy of the reward model on held-out pairs (a tie counts as wrong) and its "
                + "reward margins r(chosen) − r(rejected).");
        section.table(List.of("reward_model", "pairs", "accuracy", "mean margin", "median margin"), values(spark.sql(sql).collectAsList()));
        Histogram h = Histogram.of(spark.sql(sides(rmEvalTable, "reward_chosen", "reward_rejected", "chosen", "rejected")),
                "side", "score", List.of("chosen", "rejected"), bins);
        chart(section, "rm_rewards.png", Charts.histogram("Reward of chosen vs rejected, dt=" + dt, "reward", h, null, null));
        section.sql(sql);
    }

    private void policy(HtmlPage.Section section) {
        String sql = "SELECT policy, metric, value, n FROM " + policyEvalTable + " WHERE dt = '" + dt + "' ORDER BY policy, metric";
        if (!present(policyEvalTable)) {
            section.notRun("eval-policy wrote nothing to " + policyEvalTable + " for dt=" + dt + ".").sql(sql);
            return;
        }
        List<Row> results = spark.sql(sql).collectAsList();
        section.paragraph("Implicit-reward accuracy and margin on held-out pairs, and the win rate of the policy's samples "
                + "over the reference's as judged by the reward model (ties count half).");
        section.table(List.of("policy", "metric", "value", "n"), values(results));
        List<String> metrics = results.stream().map(r -> r.getString(1)).distinct().toList();
        Map<String, List<? extends Number>> series = Charts.ordered();
        for (String policy : results.stream().map(r -> r.getString(0)).distinct().toList()) {
            series.put(new Path(policy).getName(), metrics.stream().map(m -> results.stream()
                    .filter(r -> r.getString(0).equals(policy) && r.getString(1).equals(m))
                    .mapToDouble(r -> r.getDouble(2)).reduce((a, b) -> b).orElse(0)).toList());
        }
        chart(section, "policy_eval.png", Charts.bars("Policy evaluation, dt=" + dt, "value", metrics, series));
        section.sql(sql);
    }

    /** self-correct-eval's metrics: one row per evaluation, accuracies at both attempts and the transitions (SCoRe's Δ). */
    private void selfCorrection(HtmlPage.Section section) {
        String sql = "SELECT policy, split, problems, acc_t1, acc_t1_low, acc_t1_high, acc_t2, acc_t2_low, acc_t2_high, delta,\n"
                + "       delta_i2c, delta_c2i, correct_to_correct, correct_to_incorrect, incorrect_to_correct, incorrect_to_incorrect,\n"
                + "       traces_table, cl, cl_low, cl_high, cs, cs_low, cs_high, rss\n"
                + "FROM " + selfCorrectTable + " WHERE dt = '" + dt + "' ORDER BY evaluated_at";
        if (!present(selfCorrectTable)) {
            section.notRun("self-correct-eval wrote nothing to " + selfCorrectTable + " for dt=" + dt + ".").sql(sql);
            return;
        }
        List<Row> evals = spark.sql(sql).collectAsList();
        section.paragraph("Two attempts per problem: accuracy at the first (t1) and the second (t2), with 95% intervals; "
                + "Δ = t2 − t1, Δi→c the share of problems fixed by the second attempt, Δc→i the share it broke.");
        List<List<Object>> accuracy = new ArrayList<>();
        List<List<Object>> transitions = new ArrayList<>();
        List<List<Object>> confidence = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        Map<String, List<? extends Number>> series = Charts.ordered();
        List<Double> t1 = new ArrayList<>();
        List<Double> t2 = new ArrayList<>();
        List<Double> fixed = new ArrayList<>();
        List<Double> broke = new ArrayList<>();
        for (Row r : evals) {
            accuracy.add(Arrays.asList(r.getString(0), r.getString(1), r.getLong(2), number(r, 3),
                    interval(r, 4, 5), number(r, 6), interval(r, 7, 8), number(r, 9), number(r, 10), number(r, 11)));
            transitions.add(List.of(r.getString(0), r.getLong(12), r.getLong(13), r.getLong(14), r.getLong(15)));
            confidence.add(Arrays.asList(r.getString(16), number(r, 17), interval(r, 18, 19), number(r, 20), interval(r, 21, 22),
                    number(r, 23)));
            labels.add((labels.size() + 1) + ". " + r.getString(16) + " (" + r.getString(1) + ")");
            t1.add(number(r, 3));
            t2.add(number(r, 6));
            fixed.add(number(r, 10));
            broke.add(number(r, 11));
        }
        section.table(List.of("policy", "split", "problems", "accuracy@t1", "95% interval", "accuracy@t2", "95% interval",
                "Δ(t1,t2)", "Δi→c", "Δc→i"), accuracy);
        section.table(List.of("policy", "correct → correct", "correct → incorrect", "incorrect → correct",
                "incorrect → incorrect"), transitions);
        section.paragraph("Confidence vs Critique: CL = P(right at t2 | right at t1), CS = P(right at t2 | wrong at t1), "
                + "with 95% intervals, and RSS.");
        section.table(List.of("traces", "CL", "95% interval", "CS", "95% interval", "RSS"), confidence);
        series.put("accuracy@t1", t1);
        series.put("accuracy@t2", t2);
        series.put("Δi→c", fixed);
        series.put("Δc→i", broke);
        chart(section, "self_correction.png", Charts.bars("Self-correction, dt=" + dt, "share of problems", labels, series));
        section.sql(sql);
    }

    /** The diversity job's table: one overall row and one row per prompt (scope). */
    private void diversity(HtmlPage.Section section) {
        String sql = "SELECT samples, distinct_1, distinct_2, self_bleu, distinct_answers, answer_collapse, reference_accuracy\n"
                + "FROM " + diversityTable + " WHERE dt = '" + dt + "' AND scope = 'overall'";
        if (!present(diversityTable)) {
            section.notRun("the diversity job wrote nothing to " + diversityTable + " for dt=" + dt + ".").sql(sql);
            return;
        }
        section.paragraph("Diversity of the K samples of each prompt: distinct-1/2 (higher: more varied), self-BLEU (higher: "
                + "more alike), answer collapse (K samples giving one answer). Overall: means over prompts; answer_collapse "
                + "is the collapse rate.");
        section.table(List.of("samples", "distinct-1", "distinct-2", "self-BLEU", "distinct answers", "answer collapse",
                "reference accuracy"), values(spark.sql(sql).collectAsList()));
        String where = "scope = 'prompt'";
        Histogram h = Histogram.of(spark.sql(sides(diversityTable, where, "distinct_2", "self_bleu", "distinct-2", "self-BLEU")),
                "side", "score", List.of("distinct-2", "self-BLEU"), bins);
        chart(section, "diversity.png", Charts.histogram("Per-prompt diversity, dt=" + dt, "value", h, null, null));
        section.sql(sql);
    }

    /** guidance-sweep's curve: one row per (run, swept weight), coherence and diversity metrics against the weight. */
    private void guidanceSweep(HtmlPage.Section section) {
        String sql = "SELECT run_id, sweep, weight, prompts, samples, reference_accuracy, mean_logprob, distinct_1, distinct_2,\n"
                + "       self_bleu, answer_collapse_rate\n"
                + "FROM " + guidanceSweepTable + " WHERE dt = '" + dt + "' ORDER BY run_id, sweep, weight";
        if (!present(guidanceSweepTable)) {
            section.notRun("guidance-sweep wrote nothing to " + guidanceSweepTable + " for dt=" + dt + ".").sql(sql);
            return;
        }
        List<Row> points = spark.sql(sql).collectAsList();
        section.paragraph("Coherence (reference accuracy, mean token log-prob under the coherence model) against diversity "
                + "(distinct-n, self-BLEU, answer collapse) as the swept logit transform's weight grows.");
        section.table(List.of("run_id", "sweep", "weight", "prompts", "samples", "reference accuracy", "mean log-prob",
                "distinct-1", "distinct-2", "self-BLEU", "answer collapse rate"), values(points));
        Map<String, double[][]> shares = Charts.ordered();
        Map<String, double[][]> logprob = Charts.ordered();
        Map<String, List<Row>> curves = new LinkedHashMap<>();
        points.forEach(r -> curves.computeIfAbsent(r.getString(0) + " " + r.getString(1), k -> new ArrayList<>()).add(r));
        String[] names = {"reference_accuracy", "mean_logprob", "distinct_1", "distinct_2", "self_bleu", "answer_collapse_rate"};
        curves.forEach((curve, rows) -> {
            for (int m = 0; m < names.length; m++) {
                List<double[]> xy = new ArrayList<>();
                for (Row r : rows) {
                    if (!r.isNullAt(5 + m)) {
                        xy.add(new double[]{r.getDouble(2), r.getDouble(5 + m)});
                    }
                }
                (names[m].equals("mean_logprob") ? logprob : shares).put((curves.size() > 1 ? curve + ": " : "") + names[m], Charts.xy(xy));
            }
        });
        chart(section, "guidance_sweep.png", Charts.lines("Coherence and diversity against the weight, dt=" + dt, "weight",
                "share", shares));
        chart(section, "guidance_sweep_logprob.png", Charts.lines("Mean token log-prob against the weight, dt=" + dt, "weight",
                "log-prob", logprob));
        section.sql(sql);
    }

    private static Double number(Row r, int i) {
        return r.isNullAt(i) ? null : r.getDouble(i);
    }

    private static String interval(Row r, int low, int high) {
        return r.isNullAt(low) || r.isNullAt(high) ? "—" : "[" + HtmlPage.format(r.getDouble(low)) + ", " + HtmlPage.format(r.getDouble(high)) + "]";
    }

    /** Two numeric columns of a table's partition as (side, score) rows, for an overlaid histogram. */
    private String sides(String table, String first, String second, String firstName, String secondName) {
        return sides(table, "true", first, second, firstName, secondName);
    }

    private String sides(String table, String where, String first, String second, String firstName, String secondName) {
        String from = " FROM " + table + " WHERE dt = '" + dt + "' AND " + where;
        return "SELECT '" + firstName + "' AS side, " + first + " AS score" + from
                + " UNION ALL SELECT '" + secondName + "', " + second + from;
    }

    private boolean present(String table) {
        return spark.catalog().tableExists(table) && warehouse.hasPartition(table, dt);
    }

    private static List<List<Object>> values(List<Row> rows) {
        List<List<Object>> out = new ArrayList<>();
        for (Row r : rows) {
            List<Object> cells = new ArrayList<>();
            for (int i = 0; i < r.size(); i++) {
                cells.add(r.isNullAt(i) ? null : r.get(i));
            }
            out.add(cells);
        }
        return out;
    }

    private void chart(HtmlPage.Section section, String file, Chart<?, ?> chart) {
        charts.put(file, Charts.png(chart));
        section.image(file, chart.getTitle());
    }

    /** The page and its charts, through Hadoop's FileSystem (a local folder, HDFS or an object store). */
    private void write(String html) {
        Path folder = new Path(output);
        try {
            FileSystem fs = folder.getFileSystem(spark.sparkContext().hadoopConfiguration());
            fs.setWriteChecksum(false);   // no .crc files beside the page on a local disk
            fs.mkdirs(folder);
            for (Map.Entry<String, byte[]> chart : charts.entrySet()) {
                try (OutputStream out = fs.create(new Path(folder, chart.getKey()), true)) {
                    out.write(chart.getValue());
                }
            }
            try (OutputStream out = fs.create(new Path(folder, PAGE), true)) {
                out.write(html.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report to " + folder, e);
        }
    }
}
