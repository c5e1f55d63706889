package org.alignspark.report;

import java.util.List;

/**
 * Reward-model accuracy: {@code rmEvalTable} (eval-rm: reward_chosen, reward_rejected, reward_margin, correct,
 * reward_model; one row per held-out pair), pairwise accuracy and margins per reward model.
 */
public record RewardModelSection(String rmEvalTable, int bins) implements ReportSection {
    @Override
    public void write(HtmlPage page, Night night) {
        HtmlPage.Section out = page.section("reward-model", "Reward-model accuracy");
        String dt = night.dt();
        String sql = """
                SELECT reward_model, count(*) AS pairs, avg(CASE WHEN correct THEN 1.0D ELSE 0.0D END) AS accuracy,
                       avg(reward_margin) AS mean_margin, percentile_approx(reward_margin, 0.5) AS median_margin
                FROM %s WHERE dt = '%s' GROUP BY reward_model ORDER BY reward_model""".formatted(rmEvalTable, dt);
        night.show(out, rmEvalTable, "eval-rm wrote nothing to", sql, models -> {
            out.paragraph("Pairwise accuracy of the reward model on held-out pairs (a tie counts as wrong) and its "
                    + "reward margins r(chosen) − r(rejected).");
            out.table(List.of("reward_model", "pairs", "accuracy", "mean margin", "median margin"), ReportSection.cells(models));
            Histogram h = Histogram.of(night.sides(rmEvalTable, "reward_chosen", "reward_rejected", "chosen", "rejected"),
                    "side", "score", List.of("chosen", "rejected"), bins);
            out.chart("rm_rewards.png", Charts.histogram("Reward of chosen vs rejected, dt=" + dt, "reward", h, null, null));
        });
    }
}
