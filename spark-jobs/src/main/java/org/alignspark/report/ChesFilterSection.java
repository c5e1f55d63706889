package org.alignspark.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.spark.sql.Row;

/**
 * The CHES filter: {@code chesTable} (the pairs ches kept) and {@code <chesTable>_ches_removed} (those it removed),
 * the histogram of {@code score} (ches or ln_ches, the one ches filtered on) with the cut at the highest kept score.
 */
public record ChesFilterSection(String chesTable, String score, int bins) implements ReportSection {
    @Override
    public void write(HtmlPage page, Night night) {
        HtmlPage.Section out = page.section("ches", "CHES filter");
        String dt = night.dt();
        String removed = chesTable + "_ches_removed";
        String sql = """
                SELECT 'kept' AS side, pair_id, ches, ln_ches FROM %s WHERE dt = '%s'
                UNION ALL
                SELECT 'removed', pair_id, ches, ln_ches FROM %s WHERE dt = '%s'""".formatted(chesTable, dt, removed, dt);
        boolean kept = night.has(chesTable);
        boolean dropped = night.has(removed);
        if (!kept && !dropped) {
            out.notRun("ches wrote neither " + chesTable + " nor " + removed + " for dt=" + dt + ".").sql(sql);
            return;
        }
        // The score of each side whose table is there: ches may have kept every pair, or removed every one.
        List<String> sides = new ArrayList<>();
        if (kept) {
            sides.add("SELECT 'kept' AS side, %s FROM %s WHERE dt = '%s'".formatted(score, chesTable, dt));
        }
        if (dropped) {
            sides.add("SELECT 'removed' AS side, %s FROM %s WHERE dt = '%s'".formatted(score, removed, dt));
        }
        String statsSql = """
                SELECT side, count(*) AS pairs, min(%1$s) AS min, avg(%1$s) AS mean, max(%1$s) AS max
                FROM (%2$s)
                GROUP BY side ORDER BY side""".formatted(score, String.join("\n      UNION ALL ", sides));
        List<Row> stats = night.rows(statsSql);
        Double cut = null;
        long keptCount = 0;
        long removedCount = 0;
        for (Row r : stats) {
            if (r.<String>getAs("side").equals("kept")) {
                cut = r.getAs("max");
                keptCount += r.<Long>getAs("pairs");
            } else {
                removedCount = r.getAs("pairs");
            }
        }
        out.paragraph("CHES / LN-CHES: similarity of the model's hidden states of chosen and rejected (Razin et al.); "
                + "ches kept the pairs with the lowest scores and moved the rest to " + removed + ". The dashed line is the "
                + "highest kept " + score + ".");
        if (removedCount == 0) {
            out.note("No pair was removed on " + dt + ": there is no cut.");
            cut = null;
        } else {
            out.paragraph(String.format(Locale.ROOT, "Cut at %s = %.4f: %d pairs kept, %d removed.", score, cut, keptCount,
                    removedCount));
        }
        out.table(List.of("side", "pairs", "min " + score, "mean " + score, "max " + score), ReportSection.cells(stats));
        Histogram h = Histogram.of(night.spark().sql(String.join(" UNION ALL ", sides)), "side", score,
                List.of("kept", "removed"), bins);
        out.chart("ches_histogram.png", Charts.histogram(score + " of every pair, dt=" + dt, score, h, cut,
                cut == null ? null : String.format(Locale.ROOT, "cut %.4f", cut)));
        out.sql(statsSql).sql(sql);
    }
}
