package org.alignspark.report;

import java.util.List;

/**
 * FLR scores, chosen vs rejected: {@code pairsTable} (flr-mine's PreferencePair rows: score_chosen and score_rejected
 * are the FLR of each side) and {@code flrTable} (flr-score's FlrScore rows, every response).
 */
public record FlrSection(String pairsTable, String flrTable, int bins) implements ReportSection {
    @Override
    public void write(HtmlPage page, Night night) {
        HtmlPage.Section out = page.section("flr", "FLR scores: chosen vs rejected");
        String dt = night.dt();
        String sql = """
                SELECT side, count(*) AS pairs, avg(score) AS mean, percentile_approx(score, 0.5) AS median,
                       min(score) AS min, max(score) AS max
                FROM (SELECT 'chosen' AS side, score_chosen AS score FROM %1$s WHERE dt = '%2$s'
                      UNION ALL SELECT 'rejected', score_rejected FROM %1$s WHERE dt = '%2$s')
                GROUP BY side ORDER BY side""".formatted(pairsTable, dt);
        night.show(out, pairsTable, "flr-mine wrote no pairs to", sql, sides -> {
            out.paragraph("FLR (follow-up likelihood as reward) of the chosen and the rejected response of each pair "
                    + "that flr-mine kept from " + pairsTable + " (score_chosen, score_rejected: the score it mined on).");
            out.table(List.of("side", "pairs", "mean", "median", "min", "max"), ReportSection.cells(sides));
            Histogram h = Histogram.of(night.sides(pairsTable, "score_chosen", "score_rejected", "chosen", "rejected"),
                    "side", "score", List.of("chosen", "rejected"), bins);
            out.chart("flr_chosen_rejected.png", Charts.histogram("FLR of chosen vs rejected, dt=" + dt, "FLR", h, null, null));
        });
        String scoresSql = """
                SELECT count(*) AS responses, count(DISTINCT prompt_id) AS prompts, avg(flr) AS mean_flr,
                       min(flr) AS min_flr, max(flr) AS max_flr, avg(direct) AS mean_direct
                FROM %s WHERE dt = '%s'""".formatted(flrTable, dt);
        out.subheading("Every scored response (" + flrTable + ")");
        night.show(out, flrTable, "flr-score wrote nothing to", scoresSql, scores -> out.table(
                List.of("responses", "prompts", "mean FLR", "min FLR", "max FLR", "mean Direct"), ReportSection.cells(scores)));
    }
}
