package org.alignspark.report;

import java.util.ArrayList;
import java.util.List;

import org.apache.spark.sql.Row;

/**
 * One section of the nightly report: its anchor on the page, its heading, and how it fills itself from one night's
 * tables. Every section shows the Spark SQL that gives its data, to paste into {@code bin/alignspark sql}, and a
 * section whose table has no partition for the night says so instead of failing.
 */
public interface ReportSection {
    /** The section's id on the page ({@code <section id=...>}, the link target of the page's navigation). */
    String id();

    String heading();

    /** Writes the section's paragraphs, tables, charts and SQL into {@code out}. */
    void write(HtmlPage.Section out, Night night);

    /** Every column of each row, in the query's order, as the cells of a page table. */
    static List<List<Object>> cells(List<Row> rows) {
        List<List<Object>> out = new ArrayList<>();
        for (Row r : rows) {
            List<Object> cells = new ArrayList<>();
            for (String column : r.schema().fieldNames()) {
                cells.add(r.getAs(column));
            }
            out.add(cells);
        }
        return out;
    }
}
