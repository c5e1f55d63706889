package org.alignspark.ingest;

import java.util.Iterator;

import org.alignspark.data.DatasetKind;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

import static org.apache.spark.sql.functions.col;

/**
 * The files an ingested partition is written as: records grouped by prompt_id into about {@code rowsPerFile} rows a
 * file, each file sorted by (prompt_id, id), and exact duplicates (the same content-hash id) dropped.
 */
public final class Shards {
    private Shards() {}

    /**
     * About {@code rowsPerFile} rows a file; where there are at least as many files as task slots, rounded up to a
     * multiple of the slots so the last wave of write tasks does not leave cores idle.
     */
    public static int fileCount(long rows, int rowsPerFile, int slots) {
        long files = Math.max(1, (rows + rowsPerFile - 1) / rowsPerFile);
        if (files >= slots) {
            files = (files + slots - 1) / slots * slots;
        }
        return (int) Math.min(10_000, files);
    }

    /** About {@code rowsPerFile} quarantine rows a file, 1 to 1,000 files. */
    public static int quarantineFileCount(long rows, int rowsPerFile) {
        return (int) Math.max(1, Math.min(1_000, (rows + rowsPerFile - 1) / rowsPerFile));
    }

    /** {@code records} in {@code files} shards by prompt_id, sorted, each id kept once. */
    public static Dataset<Row> byPromptId(Dataset<Row> records, DatasetKind kind, int files) {
        return records
                .repartition(files, col("prompt_id"))
                .sortWithinPartitions("prompt_id", kind.idField())
                .mapPartitions(dropAdjacentDuplicates(records.schema().fieldIndex(kind.idField())), Encoders.row(records.schema()));
    }

    /** Rows sorted by (prompt_id, id): an exact duplicate follows its twin, so keeping each id's first row dedups. */
    private static MapPartitionsFunction<Row, Row> dropAdjacentDuplicates(int idIndex) {
        return rows -> new Iterator<Row>() {
            private Row next = advance(null);

            private Row advance(Row previous) {
                while (rows.hasNext()) {
                    Row row = rows.next();
                    if (previous == null || !row.getString(idIndex).equals(previous.getString(idIndex))) {
                        return row;
                    }
                }
                return null;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public Row next() {
                Row current = next;
                next = advance(current);
                return current;
            }
        };
    }
}
