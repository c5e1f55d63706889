package org.alignspark.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.alignspark.report.HtmlPage.Cell;
import org.alignspark.warehouse.RunRecord;
import org.apache.spark.sql.Row;

/**
 * Jobs and row counts: every job run of the night in {@code job_runs} ({@link RunRecord}), its row counts and the
 * balance rows_in = rows_out + rows_quarantined + duplicates + ties, with the runs that do not add up flagged.
 */
public record RowAccountingSection() implements ReportSection {
    @Override
    public void write(HtmlPage page, Night night) {
        HtmlPage.Section out = page.section("jobs", "Jobs and row counts");
        String sql = """
                SELECT job, table_name, run_id, status, rows_in, rows_out, rows_quarantined, duplicates, ties,
                       rows_in = rows_out + rows_quarantined + duplicates + ties AS balanced,
                       unix_timestamp(finished_at) - unix_timestamp(started_at) AS seconds
                FROM %s WHERE dt = '%s' ORDER BY started_at, job""".formatted(RunRecord.TABLE, night.dt());
        night.show(out, RunRecord.TABLE, "no job recorded a run in", sql, runs -> draw(out, night, runs));
    }

    /** The runs' table, with each run's balance, and their row counts as bars. */
    private static void draw(HtmlPage.Section out, Night night, List<Row> runs) {
        List<List<Object>> rows = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        long unbalanced = 0;
        for (Row r : runs) {
            String job = r.getAs("job");
            String table = r.getAs("table_name");
            long rowsIn = r.getAs("rows_in");
            long rowsOut = r.getAs("rows_out");
            long rowsQuarantined = r.getAs("rows_quarantined");
            long duplicates = r.getAs("duplicates");
            long ties = r.getAs("ties");
            boolean balanced = r.getAs("balanced");
            long missing = rowsIn - rowsOut - rowsQuarantined - duplicates - ties;
            unbalanced += balanced ? 0 : 1;
            rows.add(List.of(job, table, r.<String>getAs("run_id"), r.<String>getAs("status"), rowsIn, rowsOut, rowsQuarantined, duplicates, ties,
                    balanced ? new Cell("balanced", "good") : new Cell("UNBALANCED: " + missing + " rows missing", "bad"),
                    r.<Long>getAs("seconds") == null ? "" : r.<Long>getAs("seconds")));
            labels.add((labels.size() + 1) + ". " + job + " " + table);
        }
        out.paragraph(runs.size() + " job runs on " + night.dt() + "; every run accounts for its input as "
                + "rows_in = rows_out + rows_quarantined + duplicates + ties (ches counts its removed pairs as quarantined).");
        if (unbalanced > 0) {
            out.note(unbalanced + " of " + runs.size() + " runs are UNBALANCED: rows went missing.");
        }
        out.table(List.of("job", "table", "run_id", "status", "rows_in", "rows_out", "rows_quarantined", "duplicates", "ties",
                "balance", "seconds"), rows);
        Map<String, List<? extends Number>> series = Charts.ordered();
        series.put("rows_in", ReportSection.column(runs, "rows_in"));
        series.put("rows_out", ReportSection.column(runs, "rows_out"));
        series.put("rows_quarantined", ReportSection.column(runs, "rows_quarantined"));
        series.put("duplicates + ties", runs.stream().map(r -> r.<Long>getAs("duplicates") + r.<Long>getAs("ties")).toList());
        out.chart("row_counts.png", Charts.bars("Rows per job run, dt=" + night.dt(), "rows", labels, series));
    }
}
