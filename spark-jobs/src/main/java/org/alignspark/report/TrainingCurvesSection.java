package org.alignspark.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.alignspark.common.objectives.TrlMetricNames;
import org.alignspark.train.TrainingMetricsTable;
import org.apache.spark.sql.Row;

/**
 * Training curves: every training run of the night in {@code training_metrics}, then the loss, accuracies and margins
 * per round of the reward-model run {@code rmRun} and the policy run {@code policyRun}.
 */
public record TrainingCurvesSection(String rmRun, String policyRun) implements ReportSection {
    /** A chart of a run beside its loss: the metrics of TRL's trainers that measure one thing, by their TRL names. */
    private record MetricChart(String name, String title, Set<String> metrics) {}

    private static final List<MetricChart> METRIC_CHARTS = List.of(
            new MetricChart("accuracies", "Accuracies", Set.of(TrlMetricNames.ACCURACY, TrlMetricNames.REWARDS_ACCURACIES)),
            new MetricChart("margins", "Margins", Set.of(TrlMetricNames.MARGIN, TrlMetricNames.REWARDS_MARGINS)));

    @Override
    public void write(HtmlPage page, Night night) {
        HtmlPage.Section out = page.section("training", "Training curves");
        String sql = """
                SELECT run_id, objective, count(*) AS rounds, max(examples) AS last_round_examples,
                       max_by(loss, round) AS final_loss, sum(seconds) AS seconds
                FROM %s WHERE dt = '%s' GROUP BY run_id, objective ORDER BY run_id""".formatted(TrainingMetricsTable.TABLE, night.dt());
        boolean trained = night.show(out, TrainingMetricsTable.TABLE, "no training job wrote rounds to", sql, runs -> {
            out.paragraph("Every training run of " + night.dt() + ":");
            out.table(List.of("run_id", "objective", "rounds", "examples (largest round)", "final loss", "seconds"),
                    ReportSection.cells(runs));
        });
        if (trained) {
            run(out, night, "Reward model: run " + rmRun, rmRun, "rm");
            run(out, night, "Policy: run " + policyRun, policyRun, "policy");
        }
    }

    /** Loss, accuracies and margins per round of one run, and its last round's every metric. */
    private static void run(HtmlPage.Section out, Night night, String heading, String runId, String file) {
        String sql = """
                SELECT round, examples, loss, metrics FROM %s
                WHERE dt = '%s' AND run_id = '%s' ORDER BY round""".formatted(TrainingMetricsTable.TABLE, night.dt(),
                runId.replace("'", "''"));
        out.subheading(heading);
        List<Row> rounds = night.rows(sql);
        if (rounds.isEmpty()) {
            out.notRun("run " + runId + " has no rounds in " + TrainingMetricsTable.TABLE + " for dt=" + night.dt() + ".").sql(sql);
            return;
        }
        List<double[]> loss = new ArrayList<>();
        Map<String, List<double[]>> metrics = new TreeMap<>();
        for (Row r : rounds) {
            int round = r.getAs("round");
            loss.add(new double[]{round, r.<Double>getAs("loss")});
            metrics(r).forEach((k, v) -> metrics.computeIfAbsent(k, x -> new ArrayList<>()).add(new double[]{round, v}));
        }
        Row last = rounds.get(rounds.size() - 1);
        List<String> columns = new ArrayList<>(List.of("last round", "examples", "loss"));
        List<Object> values = new ArrayList<>(List.of(last.<Integer>getAs("round"), last.<Long>getAs("examples"),
                last.<Double>getAs("loss")));
        new TreeMap<>(metrics(last)).forEach((k, v) -> {
            columns.add(k);
            values.add(v);
        });
        out.table(columns, List.of(values));
        Map<String, double[][]> lossSeries = Charts.ordered();
        lossSeries.put("loss", Charts.xy(loss));
        out.chart(file + "_loss.png", Charts.lines("Loss per round, " + runId, "round", "loss", lossSeries));
        for (MetricChart chart : METRIC_CHARTS) {
            Map<String, double[][]> series = Charts.ordered();
            metrics.forEach((k, points) -> {
                if (chart.metrics().contains(k)) {
                    series.put(k, Charts.xy(points));
                }
            });
            if (!series.isEmpty()) {
                out.chart(file + "_" + chart.name() + ".png", Charts.lines(chart.title() + " per round, " + runId, "round",
                        chart.name(), series));
            }
        }
        out.sql(sql);
    }

    private static Map<String, Double> metrics(Row round) {
        return round.getJavaMap(round.fieldIndex("metrics"));
    }
}
