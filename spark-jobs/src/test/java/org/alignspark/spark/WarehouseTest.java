package org.alignspark.spark;

import java.nio.file.Path;
import java.util.List;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WarehouseTest {
    @TempDir
    Path tmp;

    @Test
    void aPartitionWrittenEmptyReadsAsNoRowsAndAnUnwrittenOneIsANamedError() {
        SparkSession spark = TestSpark.session();
        Warehouse warehouse = new Warehouse(spark, tmp.resolve("warehouse").toString());
        StructType schema = new StructType().add("pair_id", DataTypes.StringType, false).add("score", DataTypes.DoubleType, true);
        warehouse.overwritePartition(spark.createDataFrame(List.of(RowFactory.create("a", 1.0)), schema), "mined", "2026-11-26", false);
        warehouse.overwritePartition(spark.createDataFrame(List.<Row>of(), schema), "mined", "2026-11-27", true);

        Dataset<Row> empty = warehouse.partition("mined", "2026-11-27");
        assertEquals(0, empty.count());
        assertEquals(List.of("pair_id", "score"), List.of(empty.columns()));
        assertEquals(1, warehouse.partition("mined", "2026-11-26").count());
        IllegalArgumentException never = assertThrows(IllegalArgumentException.class, () -> warehouse.partition("never_written", "2026-11-27"));
        assertTrue(never.getMessage().contains("never_written has no partition dt=2026-11-27"), never.getMessage());
    }
}
