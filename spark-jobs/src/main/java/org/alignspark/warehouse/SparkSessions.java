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
        if (!new SparkConf().contains("spark.master")) {
            builder.master("local[2]")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "4");
        }
        return builder.getOrCreate();
    }
}
