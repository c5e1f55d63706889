package org.alignspark.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;

/**
 * Counts per equal-width bin of one numeric column, per series, computed by Spark (the driver receives
 * series × bins counts, never the values). Bins span the finite values of every series together, so overlaid
 * series are comparable; null, NaN and infinite values are counted apart as {@code nonFinite}.
 */
public record Histogram(Bins bins, Map<String, long[]> counts, Map<String, Long> nonFinite) {

    /** {@code count} bins of equal width from {@code low}; a value at the top edge falls in the last bin. */
    public record Bins(double low, double width, int count) {
        static Bins spanning(double min, double max, int count) {
            if (!(max > min)) {
                return new Bins(min - 0.5, 1.0 / count, count);
            }
            return new Bins(min, (max - min) / count, count);
        }

        double edge(int i) {
            return low + i * width;
        }
    }

    /** The histogram of {@code value} in {@code rows}, one series per distinct {@code series} in {@code order}. */
    public static Histogram of(Dataset<Row> rows, String series, String value, List<String> order, int binCount) {
        Column v = col(value).cast("double");
        Column finite = v.isNotNull().and(not(isnan(v))).and(v.notEqual(lit(Double.POSITIVE_INFINITY)))
                .and(v.notEqual(lit(Double.NEGATIVE_INFINITY)));
        Dataset<Row> values = rows.select(col(series).cast("string").as("series"), v.as("v"), finite.as("finite"));
        Row range = values.filter("finite").agg(min("v"), max("v")).first();
        Bins bins = range.isNullAt(0) ? Bins.spanning(0, 0, binCount)
                : Bins.spanning(range.getDouble(0), range.getDouble(1), binCount);
        Map<String, long[]> counts = new LinkedHashMap<>();
        Map<String, Long> nonFinite = new LinkedHashMap<>();
        order.forEach(s -> {
            counts.put(s, new long[binCount]);
            nonFinite.put(s, 0L);
        });
        Column bin = least(lit(binCount - 1), greatest(lit(0), floor(col("v").minus(bins.low()).divide(bins.width())).cast("int")));
        for (Row r : values.filter("finite").groupBy(col("series"), bin.as("bin")).agg(count("*")).collectAsList()) {
            counts.computeIfAbsent(r.getString(0), k -> new long[binCount])[r.getInt(1)] += r.getLong(2);
        }
        for (Row r : values.filter(not(col("finite"))).groupBy("series").agg(count("*")).collectAsList()) {
            nonFinite.merge(r.getString(0), r.getLong(1), Long::sum);
        }
        return new Histogram(bins, counts, nonFinite);
    }
}
