package org.alignspark.testing;

import java.nio.file.Path;

import org.alignspark.warehouse.SparkSessions;
import org.apache.spark.sql.SparkSession;

/** The suite's one SparkSession (local[2]), shared by every test class in the JVM. */
public final class TestSpark {
    private TestSpark() {}

    public static SparkSession session() {
        // Spark's catalog folder under target/, not a spark-warehouse/ in the module's folder.
        return SparkSessions.getOrCreate("alignspark tests", Path.of("target", "spark-catalog").toAbsolutePath().toString());
    }

    public static Path samples(String name) {
        return Path.of(System.getProperty("alignspark.root", ".."), "samples", name);
    }
}
