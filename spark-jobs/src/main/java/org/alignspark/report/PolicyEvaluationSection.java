package org.alignspark.report;

import java.util.List;
import java.util.Map;

import org.apache.hadoop.fs.Path;

/**
 * Policy evaluation: {@code policyEvalTable} (eval-policy: policy, metric, value, n — implicit-reward accuracy and
 * margin, win rate over the reference), one bar per metric and policy.
 */
public record PolicyEvaluationSection(String policyEvalTable) implements ReportSection {
    @Override
    public void write(HtmlPage page, Night night) {
        HtmlPage.Section out = page.section("policy", "Policy evaluation");
        String sql = """
                SELECT policy, metric, value, n FROM %s WHERE dt = '%s' ORDER BY policy, metric""".formatted(policyEvalTable, night.dt());
        night.show(out, policyEvalTable, "eval-policy wrote nothing to", sql, results -> {
            out.paragraph("Implicit-reward accuracy and margin on held-out pairs, and the win rate of the policy's samples "
                    + "over the reference's as judged by the reward model (ties count half).");
            out.table(List.of("policy", "metric", "value", "n"), ReportSection.cells(results));
            List<String> metrics = results.stream().map(r -> r.<String>getAs("metric")).distinct().toList();
            Map<String, List<? extends Number>> series = Charts.ordered();
            for (String policy : results.stream().map(r -> r.<String>getAs("policy")).distinct().toList()) {
                // The last value of each metric, 0 where this policy has none.
                series.put(new Path(policy).getName(), metrics.stream().map(m -> results.stream()
                        .filter(r -> r.getAs("policy").equals(policy) && r.getAs("metric").equals(m))
                        .mapToDouble(r -> r.<Double>getAs("value")).reduce((a, b) -> b).orElse(0)).toList());
            }
            out.chart("policy_eval.png", Charts.bars("Policy evaluation, dt=" + night.dt(), "value", metrics, series));
        });
    }
}
