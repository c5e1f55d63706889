package org.alignspark.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Row;

/**
 * Self-correction: {@code selfCorrectTable} (self-correct-eval and self-correct-metrics: one row per evaluation, or per
 * group of traces, with policy (null for traces made elsewhere), groups, split, problems,
 * acc_t1/acc_t2 with _low/_high 95% bounds, delta, delta_i2c, delta_c2i, the four transition counts, CL, CS, RSS and
 * evaluated_at): accuracies at both attempts and the transitions between them (SCoRe's Δ).
 */
public record SelfCorrectionSection(String selfCorrectTable) implements ReportSection {
    @Override
    public void write(HtmlPage page, Night night) {
        HtmlPage.Section out = page.section("self-correction", "Self-correction");
        String sql = """
                SELECT policy, split, problems, acc_t1, acc_t1_low, acc_t1_high, acc_t2, acc_t2_low, acc_t2_high, delta,
                       delta_i2c, delta_c2i, correct_to_correct, correct_to_incorrect, incorrect_to_correct, incorrect_to_incorrect,
                       traces_table, groups, cl, cl_low, cl_high, cs, cs_low, cs_high, rss
                FROM %s WHERE dt = '%s' ORDER BY evaluated_at""".formatted(selfCorrectTable, night.dt());
        night.show(out, selfCorrectTable, "self-correct-eval wrote nothing to", sql, evals -> draw(out, night, evals));
    }

    /** Accuracy, transitions and confidence tables of every evaluation, and its shares as bars. */
    private static void draw(HtmlPage.Section out, Night night, List<Row> evals) {
        out.paragraph("Two attempts per problem: accuracy at the first (t1) and the second (t2), with 95% intervals; "
                + "Δ = t2 − t1, Δi→c the share of problems fixed by the second attempt, Δc→i the share it broke.");
        List<List<Object>> accuracy = new ArrayList<>();
        List<List<Object>> transitions = new ArrayList<>();
        List<List<Object>> confidence = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (Row r : evals) {
            String split = r.getAs("split");
            Map<String, String> groups = r.isNullAt(r.fieldIndex("groups")) ? null : r.getJavaMap(r.fieldIndex("groups"));
            String traces = r.<String>getAs("traces_table") + (groups == null ? "" : " " + new java.util.TreeMap<>(groups));
            String policy = r.getAs("policy") == null ? traces : r.getAs("policy");
            accuracy.add(Arrays.asList(policy, split, r.<Long>getAs("problems"), r.getAs("acc_t1"), interval(r, "acc_t1"),
                    r.getAs("acc_t2"), interval(r, "acc_t2"), r.getAs("delta"), r.getAs("delta_i2c"), r.getAs("delta_c2i")));
            transitions.add(Arrays.asList(policy, r.<Long>getAs("correct_to_correct"), r.<Long>getAs("correct_to_incorrect"),
                    r.<Long>getAs("incorrect_to_correct"), r.<Long>getAs("incorrect_to_incorrect")));
            confidence.add(Arrays.asList(traces, r.getAs("cl"), interval(r, "cl"), r.getAs("cs"), interval(r, "cs"), r.getAs("rss")));
            labels.add((labels.size() + 1) + ". " + traces + " (" + split + ")");
        }
        out.table(List.of("policy", "split", "problems", "accuracy@t1", "95% interval", "accuracy@t2", "95% interval",
                "Δ(t1,t2)", "Δi→c", "Δc→i"), accuracy);
        out.table(List.of("policy", "correct → correct", "correct → incorrect", "incorrect → correct",
                "incorrect → incorrect"), transitions);
        out.paragraph("Confidence vs Critique: CL = P(right at t2 | right at t1), CS = P(right at t2 | wrong at t1), "
                + "with 95% intervals, and RSS.");
        out.table(List.of("traces", "CL", "95% interval", "CS", "95% interval", "RSS"), confidence);
        Map<String, List<? extends Number>> series = Charts.ordered();
        series.put("accuracy@t1", ReportSection.column(evals, "acc_t1"));
        series.put("accuracy@t2", ReportSection.column(evals, "acc_t2"));
        series.put("Δi→c", ReportSection.column(evals, "delta_i2c"));
        series.put("Δc→i", ReportSection.column(evals, "delta_c2i"));
        out.chart("self_correction.png", Charts.bars("Self-correction, dt=" + night.dt(), "share of problems", labels, series));
    }

    /** The 95% interval of {@code column}, from its {@code _low} and {@code _high} columns. */
    private static String interval(Row r, String column) {
        Double low = r.getAs(column + "_low");
        Double high = r.getAs(column + "_high");
        return low == null || high == null ? "—" : "[" + HtmlPage.format(low) + ", " + HtmlPage.format(high) + "]";
    }
}
