package org.alignspark.warehouse;

import java.util.ArrayList;
import java.util.List;

import org.alignspark.data.AvroBytes;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

import static org.apache.spark.sql.avro.functions.from_avro;
import static org.apache.spark.sql.functions.col;

/** Avro schemas as Spark columns: the .avsc files are the contract, the Spark types are derived from them. */
public final class AvroColumns {
    /** One Avro-binary record per row, as a task writes it before {@link #decode} gives it its columns. */
    public static final StructType PAYLOAD = StructType.fromDDL("payload BINARY NOT NULL");

    private AvroColumns() {}

    /** Decodes an Avro-binary column into the record's top-level columns. */
    public static Dataset<Row> decode(Dataset<Row> rows, String binaryColumn, Schema schema) {
        Column record = from_avro(col(binaryColumn), schema.toString()).as("record");
        return rows.select(record).select("record.*");
    }

    /** Runs {@code task} over each partition of {@code rows}; it emits Avro-binary records of {@code schema}, decoded here into columns. */
    public static Dataset<Row> mapPartitions(Dataset<Row> rows, MapPartitionsFunction<Row, Row> task, Schema schema) {
        return decode(rows.mapPartitions(task, Encoders.row(PAYLOAD)), "payload", schema);
    }

    /** A driver-side list of records as a DataFrame with the schema's columns. */
    public static Dataset<Row> fromRecords(SparkSession spark, List<? extends SpecificRecord> records, Schema schema) {
        AvroBytes avro = new AvroBytes();
        List<Row> rows = new ArrayList<>(records.size());
        for (SpecificRecord record : records) {
            rows.add(RowFactory.create((Object) avro.encode(record)));
        }
        return decode(spark.createDataFrame(rows, PAYLOAD), "payload", schema);
    }
}
