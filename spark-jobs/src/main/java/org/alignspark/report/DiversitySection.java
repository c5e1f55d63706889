package org.alignspark.report;

import java.util.List;

/**
 * Generation diversity: {@code diversityTable} (the diversity job: scope 'overall' or 'prompt', samples, distinct_1,
 * distinct_2, self_bleu, distinct_answers, answer_collapse, reference_accuracy): the overall row, and the histogram of
 * the per-prompt rows.
 */
public record DiversitySection(String diversityTable, int bins) implements ReportSection {
    @Override
    public void write(HtmlPage page, Night night) {
        HtmlPage.Section out = page.section("diversity", "Generation diversity");
        String sql = """
                SELECT samples, distinct_1, distinct_2, self_bleu, distinct_answers, answer_collapse, reference_accuracy
                FROM %s WHERE dt = '%s' AND scope = 'overall'""".formatted(diversityTable, night.dt());
        night.show(out, diversityTable, "the diversity job wrote nothing to", sql, overall -> {
            out.paragraph("Diversity of the K samples of each prompt: distinct-1/2 (higher: more varied), self-BLEU (higher: "
                    + "more alike), answer collapse (K samples giving one answer). Overall: means over prompts; answer_collapse "
                    + "is the collapse rate.");
            out.table(List.of("samples", "distinct-1", "distinct-2", "self-BLEU", "distinct answers", "answer collapse",
                    "reference accuracy"), ReportSection.cells(overall));
            Histogram h = Histogram.of(night.sides(diversityTable, "scope = 'prompt'", "distinct_2", "self_bleu", "distinct-2",
                    "self-BLEU"), "side", "score", List.of("distinct-2", "self-BLEU"), bins);
            out.chart("diversity.png", Charts.histogram("Per-prompt diversity, dt=" + night.dt(), "value", h, null, null));
        });
    }
}
