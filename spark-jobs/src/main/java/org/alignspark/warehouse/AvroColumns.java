package org.alignspark.warehouse;

import org.apache.avro.Schema;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

import static org.apache.spark.sql.avro.functions.from_avro;
import static org.apache.spark.sql.functions.col;

/** Avro schemas as Spark columns: the .avsc files are the contract, the Spark types are derived from them. */
public final class AvroColumns {
    private AvroColumns() {}

    /** Decodes an Avro-binary column into the record's top-level columns. */
    public static Dataset<Row> decode(Dataset<Row> rows, String binaryColumn, Schema schema) {
        Column record = from_avro(col(binaryColumn), schema.toString()).as("record");
        return rows.select(record).select("record.*");
    }

    /** A driver-side list of records as a DataFrame with the schema's columns. */
    public static Dataset<Row> fromRecords(org.apache.spark.sql.SparkSession spark, java.util.List<? extends org.apache.avro.specific.SpecificRecord> records,
                                           Schema schema) {
        org.alignspark.data.AvroBytes avro = new org.alignspark.data.AvroBytes();
        java.util.List<Row> rows = new java.util.ArrayList<>(records.size());
        for (org.apache.avro.specific.SpecificRecord record : records) {
            rows.add(org.apache.spark.sql.RowFactory.create((Object) avro.encode(record)));
        }
        StructType binary = new StructType().add("payload", org.apache.spark.sql.types.DataTypes.BinaryType, false);
        return decode(spark.createDataFrame(rows, binary), "payload", schema);
    }
}
