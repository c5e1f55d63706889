package org.alignspark.jobs;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.cli.JobOptions;
import org.alignspark.data.DatasetKind;
import org.alignspark.data.formats.FormatReader;
import org.alignspark.data.formats.InputFormat;
import org.alignspark.data.formats.ReaderOptions;
import org.alignspark.data.formats.RowParser;
import org.alignspark.data.formats.SplitSource;
import org.alignspark.ingest.OutcomeCounts;
import org.alignspark.ingest.ParsedLines;
import org.alignspark.ingest.Shards;
import org.alignspark.ingest.Throughput;
import org.alignspark.warehouse.InputLines;
import org.alignspark.warehouse.JobRun;
import org.alignspark.warehouse.RunRecord;
import org.alignspark.warehouse.Warehouse;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.alignspark.cli.OptionChecks.require;
import static org.apache.spark.sql.functions.countDistinct;

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

    @Option(names = "--format", required = true, completionCandidates = Formats.class,
            description = "Input format: ${COMPLETION-CANDIDATES}.")
    String format;

    /** Every format ingest reads, as --help lists them. */
    static final class Formats implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(InputFormat.values()).map(InputFormat::cliName).iterator();
        }
    }

    @Option(names = "--input", required = true, arity = "1..*",
            description = "Input files, folders (read recursively; .* and _* names skipped and counted) or globs: JSON Lines "
                    + "(plain or .gz/.bz2/.zst) or Parquet (a table folder's dt=... partitions become columns); local or any Hadoop path.")
    List<String> inputs;

    @Option(names = "--dataset", required = true, description = "Output table name ([a-z][a-z0-9_]*).")
    String dataset;

    @Mixin JobOptions job;

    @Option(names = "--test-fraction", defaultValue = "0.05", description = "Share of prompts (by prompt_id) in the test split, where the prompt-id hash decides it.")
    double testFraction;

    @Option(names = "--split-from", defaultValue = "column",
            description = "Where a row's split comes from: 'column' keeps the dataset's own split field where a row has one "
                    + "(train stays train; test, val, validation, valid and dev become test; any other value is quarantined) "
                    + "and hashes the prompt id where not; 'hash' always hashes the prompt id (--test-fraction).")
    String splitFrom;

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
        require(rowsPerFile > 0, "--rows-per-file must be positive");
        InputFormat inputFormat = InputFormat.fromCliName(format);
        JobRun run = job.start(Warehouse.checkOutputName(dataset));
        SparkSession spark = run.spark();
        Instant started = run.started();

        InputLines.Read input = InputLines.read(spark, inputs);
        JavaRDD<InputLines.Line> lines = input.lines();
        SplitSource splits = SplitSource.fromCliName(splitFrom);
        ReaderOptions options = new ReaderOptions(testFraction, maxChars, source == null ? inputFormat.cliName() : source, splits);
        FormatReader reader = inputFormat.reader(options, RowParser.firstObject(InputLines.firstNonBlank(lines)));
        DatasetKind kind = reader.kind();
        LOG.info("ingest {} as {} ({}) from {}", dataset, kind, inputFormat, inputs);

        ParsedLines parsed = ParsedLines.parse(spark, lines, new RowParser(reader), inputFormat.cliName(), rawCharsKept);
        OutcomeCounts counts = parsed.count();
        long accepted = counts.accepted();
        long quarantined = counts.quarantined();
        LOG.info("stage parse: {} rows in {} ({} accepted, {} quarantined, {} ties)",
                counts.rowsIn(), Throughput.since(started, counts.rowsIn()), accepted, quarantined, counts.ties());

        run.checkQuarantine(counts.rowsIn(), quarantined);

        Instant writeStart = Instant.now();
        int files = Shards.fileCount(accepted, rowsPerFile, spark.sparkContext().defaultParallelism());
        run.overwrite(Shards.byPromptId(parsed.records(kind), kind, files), dataset, accepted == 0);
        long rowsOut = accepted == 0 ? 0 : run.read(dataset).count();
        LOG.info("stage write {}: {} rows, {} files, {}", dataset, rowsOut, files, Throughput.since(writeStart, accepted));
        if (splits == SplitSource.COLUMN && rowsOut > 0) {
            warnOfPromptsOnBothSides(run.read(dataset));
        }

        Instant quarantineStart = Instant.now();
        Dataset<Row> rejected = parsed.quarantineRows().coalesce(Shards.quarantineFileCount(quarantined, rowsPerFile));
        run.overwrite(rejected, dataset + "_quarantine", quarantined == 0);
        LOG.info("stage write {}_quarantine: {} rows, {}", dataset, quarantined, Throughput.since(quarantineStart, quarantined));
        parsed.unpersist();

        RunRecord record = run.record(counts.rowsIn(), rowsOut, quarantined, accepted - rowsOut, counts.ties(),
                input.filesSkipped());
        System.out.println(record.summary());
        return record.balanced() ? 0 : 1;
    }

    /** A dataset's own splits may put one prompt on both sides, which the prompt-id hash never does: say how many. */
    private static void warnOfPromptsOnBothSides(Dataset<Row> written) {
        long both = written.groupBy("prompt_id").agg(countDistinct("split").as("splits")).filter("splits > 1").count();
        if (both > 0) {
            String message = both + " prompts are in both train and test by the dataset's own split column (--split-from hash keeps each prompt on one side)";
            LOG.warn(message);
            System.out.println("warning: " + message);
        }
    }
}
