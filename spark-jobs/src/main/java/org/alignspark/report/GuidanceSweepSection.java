package org.alignspark.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Row;

/**
 * Guidance-weight sweep: {@code guidanceSweepTable} (guidance-sweep: one row per run and swept weight, with prompts,
 * samples, reference_accuracy, mean_logprob, distinct_1, distinct_2, self_bleu, answer_collapse_rate), coherence and
 * diversity drawn as curves over the weight.
 */
public record GuidanceSweepSection(String guidanceSweepTable) implements ReportSection {
    /** The curves of each sweep, in the legend's order; mean_logprob (a log-prob, not a share) is drawn on its own chart. */
    private static final List<String> CURVES = List.of("reference_accuracy", "mean_logprob", "distinct_1", "distinct_2",
            "self_bleu", "answer_collapse_rate");
    private static final String LOGPROB = "mean_logprob";

    @Override
    public void write(HtmlPage page, Night night) {
        HtmlPage.Section out = page.section("guidance-sweep", "Guidance-weight sweep");
        String sql = """
                SELECT run_id, sweep, weight, prompts, samples, reference_accuracy, mean_logprob, distinct_1, distinct_2,
                       self_bleu, answer_collapse_rate
                FROM %s WHERE dt = '%s' ORDER BY run_id, sweep, weight""".formatted(guidanceSweepTable, night.dt());
        night.show(out, guidanceSweepTable, "guidance-sweep wrote nothing to", sql, points -> draw(out, night, points));
    }

    /** The points' table, and each sweep's curves over the weight. */
    private static void draw(HtmlPage.Section out, Night night, List<Row> points) {
        out.paragraph("Coherence (reference accuracy, mean token log-prob under the coherence model) against diversity "
                + "(distinct-n, self-BLEU, answer collapse) as the swept logit transform's weight grows.");
        out.table(List.of("run_id", "sweep", "weight", "prompts", "samples", "reference accuracy", "mean log-prob",
                "distinct-1", "distinct-2", "self-BLEU", "answer collapse rate"), ReportSection.cells(points));
        Map<String, double[][]> shares = Charts.ordered();
        Map<String, double[][]> logprob = Charts.ordered();
        Map<String, List<Row>> sweeps = new LinkedHashMap<>();
        points.forEach(r -> sweeps.computeIfAbsent(r.getAs("run_id") + " " + r.getAs("sweep"), k -> new ArrayList<>()).add(r));
        sweeps.forEach((sweep, rows) -> {
            for (String curve : CURVES) {
                List<double[]> xy = new ArrayList<>();
                for (Row r : rows) {
                    Double value = r.getAs(curve);
                    if (value != null) {
                        xy.add(new double[]{r.<Double>getAs("weight"), value});
                    }
                }
                (curve.equals(LOGPROB) ? logprob : shares).put((sweeps.size() > 1 ? sweep + ": " : "") + curve, Charts.xy(xy));
            }
        });
        out.chart("guidance_sweep.png", Charts.lines("Coherence and diversity against the weight, dt=" + night.dt(), "weight",
                "share", shares));
        out.chart("guidance_sweep_logprob.png", Charts.lines("Mean token log-prob against the weight, dt=" + night.dt(), "weight",
                "log-prob", logprob));
    }
}
