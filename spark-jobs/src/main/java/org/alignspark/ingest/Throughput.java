package org.alignspark.ingest;

import java.time.Instant;
import java.util.Locale;

/** A stage's wall time and rows per second, for the log: "12.5 s, 80,000 rows/s". */
public final class Throughput {
    private Throughput() {}

    public static String since(Instant started, long rows) {
        double seconds = Math.max(1e-3, (Instant.now().toEpochMilli() - started.toEpochMilli()) / 1000.0);
        return String.format(Locale.ROOT, "%.1f s, %,.0f rows/s", seconds, rows / seconds);
    }
}
