package org.alignspark.report;

import java.util.ArrayList;
import java.util.List;

import org.apache.spark.sql.Row;

/**
 * One section of the nightly report: it opens its {@code <section>} on the page, with its anchor and heading, and fills
 * it from one night's tables. Every section shows the Spark SQL that gives its data, to paste into
 * {@code bin/alignspark sql}, and a section whose table has no partition for the night says so instead of failing.
 */
public interface ReportSection {
    /** Writes the section, its paragraphs, tables, charts and SQL, onto {@code page}. */
    void write(HtmlPage page, Night night);

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

    /**
     * One column of every row, read by name, in the query's order; typed as Spark returns it (a {@code double}
     * column's values are Doubles, a {@code bigint} column's Longs), e.g. a chart's series.
     */
    static <T> List<T> column(List<Row> rows, String name) {
        return rows.stream().map(r -> r.<T>getAs(name)).toList();
    }
}
