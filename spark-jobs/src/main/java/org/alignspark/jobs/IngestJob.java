package org.alignspark.jobs;

import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.alignspark.cli.PartitionOption;
import org.alignspark.cli.WarehouseOption;
import org.alignspark.data.AvroBytes;
import org.alignspark.data.DatasetKind;
import org.alignspark.data.Quarantine;
import org.alignspark.data.avro.QuarantineRow;
import org.alignspark.data.formats.FormatReader;
import org.alignspark.data.formats.InputFormat;
import org.alignspark.data.formats.ReaderOptions;
import org.alignspark.data.formats.RowOutcome;
import org.alignspark.data.formats.RowParser;
import org.alignspark.warehouse.AvroColumns;
import org.alignspark.warehouse.InputLines;
import org.alignspark.warehouse.RunRecord;
import org.alignspark.warehouse.TaskFaultInjection;
import org.alignspark.warehouse.Warehouse;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.apache.spark.sql.functions.col;

/**
 * {@code ingest}: raw preference / feedback / self-correction files → the {@code <dataset>} table (partition dt),
 * rows that break a rule → {@code <dataset>_quarantine} with the reason, and a {@code job_runs} row that accounts
 * for every input row.
 *
 * <p>Flow: lines → parse each into a record or a rejection (one pass, cached) → records: shard by prompt_id, drop
 * exact duplicates, sort → write; rejections → write; counts read back from what was written.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Validate raw datasets and write them as a partitioned Parquet table, quarantining bad rows.")
public final class IngestJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);
    static final String ACCEPTED = "accepted";
    static final String QUARANTINED = "quarantined";
    static final String TIE = "tie";
    private static final StructType PARSED = new StructType()
            .add("outcome", DataTypes.StringType, false)
            .add("payload", DataTypes.BinaryType, true);

    @Option(names = "--format", required = true,
            description = "Input format: trl, hh-rlhf, ultrafeedback-binarized, helpsteer2-preference, self-correction, candidates.")
    String format;

    @Option(names = "--input", required = true, arity = "1..*",
            description = "Input files, folders or globs: JSON Lines (plain or .gz/.bz2/.zst) or Parquet; local or any Hadoop path.")
    List<String> inputs;

    @Option(names = "--dataset", required = true, description = "Output table name ([a-z][a-z0-9_]*).")
    String dataset;

    @Mixin PartitionOption partition;
    @Mixin WarehouseOption warehouseOption;

    @Option(names = "--test-fraction", defaultValue = "0.05", description = "Share of prompts (by prompt_id) in the test split.")
    double testFraction;

    @Option(names = "--rows-per-file", defaultValue = "100000", description = "Rows per output Parquet file, about.")
    int rowsPerFile;

    @Option(names = "--max-chars", defaultValue = "200000", description = "Longest text accepted in any one field.")
    int maxChars;

    @Option(names = "--quarantine-raw-chars", defaultValue = "65536",
            description = "Characters of a rejected row kept in the quarantine table (its full length is recorded).")
    int rawCharsKept;

    @Option(names = "--source", description = "Value of the source column (default: the format name).")
    String source;

    @Override
    public Integer call() {
        String dt = partition.dt();
        Instant started = Instant.now();
        Warehouse.checkTableName(dataset);
        Warehouse.checkDate(dt);
        if (rowsPerFile <= 0) {
            throw new IllegalArgumentException("--rows-per-file must be positive");
        }
        InputFormat inputFormat = InputFormat.fromCliName(format);
        Warehouse warehouse = warehouseOption.open("alignspark ingest " + dataset);
        SparkSession spark = warehouse.spark();

        JavaRDD<InputLines.Line> lines = InputLines.read(spark, inputs);
        String first = InputLines.firstNonBlank(lines);
        ReaderOptions options = new ReaderOptions(testFraction, maxChars, source == null ? inputFormat.cliName() : source);
        FormatReader reader = inputFormat.reader(options, first == null ? null : RowParser.firstObject(first));
        DatasetKind kind = reader.kind();
        LOG.info("ingest {} as {} ({}) from {}", dataset, kind, inputFormat, inputs);

        Dataset<Row> parsed = spark.createDataFrame(lines.mapPartitions(parse(new RowParser(reader), inputFormat.cliName(), rawCharsKept)), PARSED)
                .persist(StorageLevel.MEMORY_AND_DISK());
        Map<String, Long> outcomes = countOutcomes(parsed);
        long rowsIn = outcomes.values().stream().mapToLong(Long::longValue).sum();
        long accepted = outcomes.getOrDefault(ACCEPTED, 0L);
        long quarantined = outcomes.getOrDefault(QUARANTINED, 0L);
        long ties = outcomes.getOrDefault(TIE, 0L);
        LOG.info("stage parse: {} rows in {} ({} accepted, {} quarantined, {} ties)",
                rowsIn, rate(rowsIn, started), accepted, quarantined, ties);

        Instant writeStart = Instant.now();
        Dataset<Row> records = AvroColumns.decode(parsed.filter(col("outcome").equalTo(ACCEPTED)), "payload", kind.schema());
        int files = shardCount(accepted, rowsPerFile, spark.sparkContext().defaultParallelism());
        Dataset<Row> shards = records
                .repartition(files, col("prompt_id"))
                .sortWithinPartitions("prompt_id", kind.idField())
                .mapPartitions(dropAdjacentDuplicates(records.schema().fieldIndex(kind.idField())), Encoders.row(records.schema()));
        warehouse.overwritePartition(shards, dataset, dt, accepted == 0);
        long rowsOut = accepted == 0 ? 0 : warehouse.partition(dataset, dt).count();
        LOG.info("stage write {}: {} rows, {} files, {}", dataset, rowsOut, files, rate(accepted, writeStart));

        Instant quarantineStart = Instant.now();
        Dataset<Row> rejected = AvroColumns.decode(parsed.filter(col("outcome").equalTo(QUARANTINED)), "payload",
                QuarantineRow.getClassSchema());
        int quarantineFiles = (int) Math.max(1, Math.min(1_000, (quarantined + rowsPerFile - 1) / rowsPerFile));
        warehouse.overwritePartition(rejected.coalesce(quarantineFiles), dataset + "_quarantine", dt, quarantined == 0);
        LOG.info("stage write {}_quarantine: {} rows, {}", dataset, quarantined, rate(quarantined, quarantineStart));
        parsed.unpersist();

        RunRecord run = new RunRecord(RunRecord.newRunId("ingest"), "ingest", dataset, dt, rowsIn, rowsOut,
                quarantined, accepted - rowsOut, ties, started, Instant.now());
        run.append(warehouse);
        System.out.println(run.summary());
        return run.balanced() ? 0 : 1;
    }

    /**
     * About {@code rowsPerFile} rows a file; where there are at least as many files as task slots, rounded up to a
     * multiple of the slots so the last wave of write tasks does not leave cores idle.
     */
    static int shardCount(long rows, int rowsPerFile, int slots) {
        long files = Math.max(1, (rows + rowsPerFile - 1) / rowsPerFile);
        if (files >= slots) {
            files = (files + slots - 1) / slots * slots;
        }
        return (int) Math.min(10_000, files);
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

    private static Map<String, Long> countOutcomes(Dataset<Row> parsed) {
        Map<String, Long> counts = new HashMap<>();
        for (Row row : parsed.groupBy("outcome").count().collectAsList()) {
            counts.put(row.getString(0), row.getLong(1));
        }
        return counts;
    }

    /** Parses each line into (outcome, Avro payload): the record, the quarantine row, or nothing for a tie. */
    private static org.apache.spark.api.java.function.FlatMapFunction<Iterator<InputLines.Line>, Row> parse(
            RowParser parser, String formatName, int rawCharsKept) {
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

    private static String rate(long rows, Instant since) {
        double seconds = Math.max(1e-3, (Instant.now().toEpochMilli() - since.toEpochMilli()) / 1000.0);
        return String.format(java.util.Locale.ROOT, "%.1f s, %,.0f rows/s", seconds, rows / seconds);
    }
}
