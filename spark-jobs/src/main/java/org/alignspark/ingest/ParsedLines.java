package org.alignspark.ingest;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import org.alignspark.data.AvroBytes;
import org.alignspark.data.DatasetKind;
import org.alignspark.data.Quarantine;
import org.alignspark.data.avro.QuarantineRow;
import org.alignspark.data.formats.RowOutcome;
import org.alignspark.data.formats.RowParser;
import org.alignspark.warehouse.AvroColumns;
import org.alignspark.warehouse.InputLines;
import org.alignspark.warehouse.TaskFaultInjection;
import org.apache.avro.Schema;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

import static org.apache.spark.sql.functions.col;

/**
 * Ingest's parse stage: every input line parsed once into an (outcome, Avro payload) row holding the dataset record,
 * the quarantine row, or no payload for a tie. Parsing runs in {@code mapPartitions} with one Avro encoder per
 * partition; the rows are kept (memory and disk) for the counts and both writes.
 */
public final class ParsedLines {
    private static final String ACCEPTED = "accepted";
    private static final String QUARANTINED = "quarantined";
    private static final String TIE = "tie";
    private static final StructType SCHEMA = new StructType()
            .add("outcome", DataTypes.StringType, false)
            .add("payload", DataTypes.BinaryType, true);

    private final Dataset<Row> rows;

    private ParsedLines(Dataset<Row> rows) {
        this.rows = rows;
    }

    /** Plans the parse; nothing runs until the first count or write. */
    public static ParsedLines parse(SparkSession spark, JavaRDD<InputLines.Line> lines, RowParser parser, String formatName,
                                    int rawCharsKept) {
        return new ParsedLines(spark.createDataFrame(lines.mapPartitions(parseLines(parser, formatName, rawCharsKept)), SCHEMA)
                .persist(StorageLevel.MEMORY_AND_DISK()));
    }

    /** How many lines had each outcome; this runs the parse. */
    public OutcomeCounts count() {
        Map<String, Long> counts = new HashMap<>();
        for (Row row : rows.groupBy("outcome").count().collectAsList()) {
            counts.put(row.getString(0), row.getLong(1));
        }
        return new OutcomeCounts(counts.getOrDefault(ACCEPTED, 0L), counts.getOrDefault(QUARANTINED, 0L), counts.getOrDefault(TIE, 0L));
    }

    /** The accepted records, as the columns of their dataset kind. */
    public Dataset<Row> records(DatasetKind kind) {
        return payloads(ACCEPTED, kind.schema());
    }

    /** The rejected lines, as {@code <dataset>_quarantine} rows. */
    public Dataset<Row> quarantineRows() {
        return payloads(QUARANTINED, QuarantineRow.getClassSchema());
    }

    public void unpersist() {
        rows.unpersist();
    }

    private Dataset<Row> payloads(String outcome, Schema schema) {
        return AvroColumns.decode(rows.filter(col("outcome").equalTo(outcome)), "payload", schema);
    }

    private static FlatMapFunction<Iterator<InputLines.Line>, Row> parseLines(RowParser parser, String formatName, int rawCharsKept) {
        return lines -> {
            TaskFaultInjection.failOnce();
            AvroBytes avro = new AvroBytes();
            return new Iterator<Row>() {
                @Override
                public boolean hasNext() {
                    return lines.hasNext();
                }

                @Override
                public Row next() {
                    InputLines.Line line = lines.next();
                    RowOutcome outcome = line.decodeError() != null
                            ? new RowOutcome.Rejected(line.decodeError())
                            : parser.parse(line.text());
                    if (outcome instanceof RowOutcome.Accepted a) {
                        return RowFactory.create(ACCEPTED, avro.encode(a.record()));
                    }
                    if (outcome instanceof RowOutcome.Tie) {
                        return RowFactory.create(TIE, null);
                    }
                    String reason = ((RowOutcome.Rejected) outcome).reason();
                    return RowFactory.create(QUARANTINED, avro.encode(Quarantine.row(line.sourceFile(), line.lineNumber(),
                            line.byteOffset(), formatName, reason, line.text(), rawCharsKept)));
                }
            };
        };
    }
}
