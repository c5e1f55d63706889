package org.alignspark.warehouse;

import java.nio.file.Path;
import java.util.List;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.alignspark.testing.TestSpark;
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

    @Test
    void aTableEntersTheCatalogWithThePartitionsEarlierSessionsWrote() {
        SparkSession spark = TestSpark.session();
        Warehouse warehouse = new Warehouse(spark, tmp.resolve("warehouse").toString());
        StructType schema = new StructType().add("pair_id", DataTypes.StringType, false);
        warehouse.overwritePartition(spark.createDataFrame(List.of(RowFactory.create("a")), schema), "carried", "2026-11-26", false);
        warehouse.overwritePartition(spark.createDataFrame(List.of(RowFactory.create("b")), schema), "emptied", "2026-11-26", false);
        warehouse.overwritePartition(spark.createDataFrame(List.<Row>of(), schema), "emptied", "2026-11-27", true);
        // A new session's in-memory catalog knows none of them; the files stay (the tables are external).
        spark.sql("DROP TABLE carried");
        spark.sql("DROP TABLE emptied");

        warehouse.overwritePartition(spark.createDataFrame(List.of(RowFactory.create("c")), schema), "carried", "2026-11-27", false);
        assertEquals(List.of("2026-11-26", "2026-11-27"), spark.sql("SELECT dt FROM carried ORDER BY dt").as(
                org.apache.spark.sql.Encoders.STRING()).collectAsList());
        assertEquals(0, warehouse.partition("emptied", "2026-11-27").count());
        assertEquals(List.of("pair_id"), List.of(warehouse.partition("emptied", "2026-11-27").columns()));
    }

    @Test
    void aSplitIsTrainTestOrAllAndAnythingElseIsAnErrorNotZeroRows() {
        SparkSession spark = TestSpark.session();
        Warehouse warehouse = new Warehouse(spark, tmp.resolve("warehouse").toString());
        StructType schema = new StructType().add("pair_id", DataTypes.StringType, false).add("split", DataTypes.StringType, false);
        warehouse.overwritePartition(spark.createDataFrame(List.of(RowFactory.create("a", "train"), RowFactory.create("b", "test"),
                RowFactory.create("c", "train")), schema), "split_pairs", "2026-11-27", false);
        assertEquals(2, warehouse.partition("split_pairs", "2026-11-27", "train").count());
        assertEquals(1, warehouse.partition("split_pairs", "2026-11-27", "test").count());
        assertEquals(3, warehouse.partition("split_pairs", "2026-11-27", "all").count());
        IllegalArgumentException typo = assertThrows(IllegalArgumentException.class,
                () -> warehouse.partition("split_pairs", "2026-11-27", "tset"));
        assertTrue(typo.getMessage().contains("train, test or all, got 'tset'"), typo.getMessage());
    }
}
