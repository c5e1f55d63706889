package org.alignspark.train;

import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.warehouse.RunRecord;
import org.alignspark.warehouse.Warehouse;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one step every trainer takes from a table to training examples: each row tokenized once on the executors
 * with the model's chat template, examples longer than {@code --max-length} (or that the encoder rejects) written to
 * {@code <job>_quarantine} with the reason (docs/design.md decision 2: nothing is dropped silently), and the
 * accounting {@code rows_in = rows_out + rows_quarantined} appended to {@code job_runs}.
 */
public final class ExampleTable<E extends Serializable> {
    private static final Logger LOG = LoggerFactory.getLogger(ExampleTable.class);
    private static final StructType QUARANTINE = StructType.fromDDL("""
            run STRING NOT NULL, example_id STRING NOT NULL, reason STRING NOT NULL""");

    /** A row as one training example, tokenized by the model's encoder; throws {@link Rejected} for a row it cannot train on. */
    @FunctionalInterface
    public interface Encoding<E> extends Serializable {
        E encode(ChatEncoder encoder, Row row) throws Exception;
    }

    /** A training example's length in tokens: what {@code --max-length} bounds. */
    @FunctionalInterface
    public interface Length<E> extends Serializable {
        int of(E example);
    }

    /** A row that cannot become an example, with the reason its quarantine row gives. */
    public static final class Rejected extends Exception {
        public Rejected(String reason) {
            super(reason);
        }
    }

    private record Encoded<E>(E example, String id, String reason) implements Serializable {}

    private final JavaRDD<? extends Serializable> encoded;
    private final JavaRDD<E> examples;
    private final long count;

    private ExampleTable(JavaRDD<? extends Serializable> encoded, JavaRDD<E> examples, long count) {
        this.encoded = encoded;
        this.examples = examples;
        this.count = count;
    }

    /**
     * @param job      the trainer's name (train-dpo, ...): its quarantine table is {@code <job>_quarantine}
     * @param run      the training run's id, the quarantine rows' {@code run}
     * @param idColumn the column naming each row in the quarantine table
     */
    public static <E extends Serializable> ExampleTable<E> of(Warehouse warehouse, String job, String run, String dt, Dataset<Row> rows,
                                                             String idColumn, String model, int maxLength, Encoding<E> encoding,
                                                             Length<E> length) {
        Instant started = Instant.now();
        JavaRDD<Encoded<E>> encoded = rows.javaRDD().mapPartitions(partition -> {
            ChatEncoder encoder = ExecutorModels.encoder(model);
            List<Encoded<E>> out = new ArrayList<>();
            while (partition.hasNext()) {
                Row row = partition.next();
                String id = String.valueOf((Object) row.getAs(idColumn));
                try {
                    E example = encoding.encode(encoder, row);
                    int tokens = length.of(example);
                    out.add(tokens > maxLength ? new Encoded<>(null, id, tokens + " tokens, over --max-length " + maxLength)
                            : new Encoded<>(example, id, null));
                } catch (Rejected e) {
                    out.add(new Encoded<>(null, id, e.getMessage()));
                }
            }
            return out.iterator();
        }).persist(StorageLevel.MEMORY_AND_DISK());
        List<Row> quarantined = encoded.filter(e -> e.example() == null).map(e -> RowFactory.create(run, e.id(), e.reason())).collect();
        long total = encoded.count();
        String table = Warehouse.checkTableName(job.replace('-', '_') + "_quarantine");
        if (!quarantined.isEmpty()) {
            warehouse.appendPartition(warehouse.spark().createDataFrame(quarantined, QUARANTINE), table, dt);
            LOG.warn("{} of {} examples left out of training, with their reasons in {}", quarantined.size(), total, table);
        }
        RunRecord.of(job, table, dt, total, total - quarantined.size(), quarantined.size(), started).append(warehouse);
        return new ExampleTable<>(encoded, encoded.filter(e -> e.example() != null).map(Encoded::example), total - quarantined.size());
    }

    /** The examples to train on, persisted with their encoding. */
    public JavaRDD<E> examples() {
        return examples;
    }

    public long count() {
        return count;
    }

    /** Frees the persisted encoding once training is done. */
    public void release() {
        encoded.unpersist();
    }
}
