package org.alignspark.testing;

import org.apache.avro.Schema;
import org.apache.spark.sql.avro.SchemaConverters;
import org.apache.spark.sql.types.StructType;

/** The Spark SQL type of an Avro schema, for tests that write a table of a job's output schema directly. */
public final class SqlTypes {
    private SqlTypes() {}

    public static StructType of(Schema schema) {
        return (StructType) SchemaConverters.toSqlType(schema).dataType();
    }
}
