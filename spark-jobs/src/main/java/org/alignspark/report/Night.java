package org.alignspark.report;

import java.util.List;
import java.util.function.Consumer;

import org.alignspark.warehouse.Warehouse;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The night a report covers: the warehouse and the date whose partition ({@code dt}) every section reads. A section
 * asks {@link #has} before it queries (or lets {@link #show} ask), so a table the night's pipeline did not write reads
 * "not run for this date" instead of failing.
 */
public record Night(Warehouse warehouse, String dt) {
    public SparkSession spark() {
        return warehouse.spark();
    }

    /** Whether the table exists and has a partition for this night. */
    public boolean has(String table) {
        return spark().catalog().tableExists(table) && warehouse.hasPartition(table, dt);
    }

    /**
     * The rows of {@code sql}, a query of {@code table}'s partition, drawn into {@code out} by {@code body} and followed
     * by the SQL. Where the night has no such partition, {@code out} says instead which job did not write it:
     * {@code notWritten} up to the table's name ("eval-rm wrote nothing to"), then the table and the date; and shows the
     * SQL all the same, to run once the job has. Returns whether the table was there.
     */
    public boolean show(HtmlPage.Section out, String table, String notWritten, String sql, Consumer<List<Row>> body) {
        if (!has(table)) {
            out.notRun(notWritten + " " + table + " for dt=" + dt + ".").sql(sql);
            return false;
        }
        body.accept(rows(sql));
        out.sql(sql);
        return true;
    }

    /** The rows of a query, on the driver: every query of the report is an aggregate or one night's few rows. */
    public List<Row> rows(String sql) {
        return spark().sql(sql).collectAsList();
    }

    /** Two numeric columns of a table's partition as (side, score) rows, for an overlaid {@link Histogram}. */
    public Dataset<Row> sides(String table, String first, String second, String firstName, String secondName) {
        return sides(table, "true", first, second, firstName, secondName);
    }

    /** As {@link #sides(String, String, String, String, String)}, of the partition's rows that match {@code where}. */
    public Dataset<Row> sides(String table, String where, String first, String second, String firstName, String secondName) {
        String from = " FROM " + table + " WHERE dt = '" + dt + "' AND " + where;
        return spark().sql("SELECT '" + firstName + "' AS side, " + first + " AS score" + from
                + " UNION ALL SELECT '" + secondName + "', " + second + from);
    }
}
