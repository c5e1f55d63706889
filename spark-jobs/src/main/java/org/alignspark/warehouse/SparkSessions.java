package org.alignspark.warehouse;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** The one way jobs get their SparkSession, with the settings every alignspark table relies on. */
public final class SparkSessions {
    private SparkSessions() {}

    /**
     * The session of a job on the warehouse at {@code warehouseRoot}. Under spark-submit the master comes from the submit; run directly (tests, an IDE) the job gets {@code local[2]}.
     */
    public static SparkSession getOrCreate(String appName, String warehouseRoot) {
        SparkSession.Builder builder = SparkSession.builder().appName(appName)
                // Spark's own catalog lives in the warehouse, not in a ./spark-warehouse of whatever folder the job
                // ran from (a static setting: it takes effect for the JVM's first session).
                .config("spark.sql.warehouse.dir", new org.apache.hadoop.fs.Path(warehouseRoot).toUri().isAbsolute()
                        ? warehouseRoot : new java.io.File(warehouseRoot).getAbsolutePath())
                // Re-running a date replaces that date's partition only (docs/design.md decision 1).
                .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
                // dt stays a string, as Hive and Airflow's {{ ds }} have it, not an inferred date.
                .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
                .config("spark.sql.session.timeZone", "UTC");
        SparkConf submitted = new SparkConf();
        // Parameter-averaged training returns each worker's parameters as a task result (38.8 MB for a 9.6 M-parameter
        // model in float32). Above spark.task.maxDirectResultSize (1 MB by default) Spark parks a result in the
        // executor's block manager and the driver fetches it in a second trip; sent with the task's status instead, a
        // round spent 0.04 s less outside the fitting (BENCHMARKS.md, parameter averaging). Larger results keep the
        // block manager's way: sent directly, a result is also copied whole into one contiguous array on the executor
        // (Spark's ChunkedByteBuffer.toByteBuffer), and at 128m two dl4j workers' 115 MB results (parameters and both
        // Adam moments) ran a 4 GB heap out of memory in bench/param-avg.sh (2026-12-08).
        setIfMissing(builder, submitted, "spark.task.maxDirectResultSize", "64m");
        // Broadcasts here are model parameters, float32 noise that LZ4 cannot shrink: compressing them cost a round
        // 0.05 s of the driver's time for nothing (BENCHMARKS.md). SQL's broadcast joins are small beside them.
        setIfMissing(builder, submitted, "spark.broadcast.compress", "false");
        if (!submitted.contains("spark.master")) {
            builder.master("local[2]")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "4");
        }
        return builder.getOrCreate();
    }

    /** A setting of ours that a --conf of the submitter, or spark-defaults.conf, overrides. */
    private static void setIfMissing(SparkSession.Builder builder, SparkConf submitted, String key, String value) {
        if (!submitted.contains(key)) {
            builder.config(key, value);
        }
    }
}
