package org.alignspark.report;

import java.util.Arrays;
import java.util.List;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Quarantine reasons: every {@code *_quarantine} table with a {@code reason} column (ingest, flr-mine, train-rm,
 * reward-transform) that has rows for the night, its rows grouped by reason, the {@code maxReasons} most frequent listed.
 */
public record QuarantineReasonsSection(int maxReasons) implements ReportSection {
    @Override
    public void write(HtmlPage page, Night night) {
        HtmlPage.Section out = page.section("quarantine", "Quarantine reasons");
        SparkSession spark = night.spark();
        List<String> tables = spark.catalog().listTables().collectAsList().stream().map(t -> t.name())
                .filter(t -> t.endsWith("_quarantine") && Arrays.asList(spark.table(t).columns()).contains("reason"))
                .sorted().toList();
        int shown = 0;
        for (String table : tables) {
            if (!night.warehouse().hasPartition(table, night.dt())) {
                continue;
            }
            String sql = """
                    SELECT reason, count(*) AS rows FROM %s WHERE dt = '%s'
                    GROUP BY reason ORDER BY rows DESC, reason""".formatted(table, night.dt());
            List<Row> reasons = night.rows(sql);
            long total = reasons.stream().mapToLong(r -> r.<Long>getAs("rows")).sum();
            out.subheading(table + ": " + total + " rows, " + reasons.size() + " reasons");
            out.table(List.of("reason", "rows"), reasons.stream().limit(maxReasons)
                    .map(r -> List.<Object>of(r.<String>getAs("reason"), r.<Long>getAs("rows"))).toList());
            if (reasons.size() > maxReasons) {
                out.paragraph((reasons.size() - maxReasons) + " rarer reasons are not listed; the query lists them all.");
            }
            out.sql(sql);
            shown++;
        }
        if (shown == 0) {
            out.paragraph("No rows were quarantined on " + night.dt() + (tables.isEmpty() ? " (no quarantine table exists)." : ": "
                    + String.join(", ", tables) + " have no partition for this date."));
        }
    }
}
