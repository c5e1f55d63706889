package org.alignspark.warehouse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * Named tables under a warehouse root, each a folder of Parquet partitioned by {@code dt=YYYY-MM-DD} and registered in
 * the session's catalog (the Hive metastore where the cluster has one, the in-memory catalog otherwise, which is why
 * a table enters it, with every partition on storage, when a job first writes or reads it, and why the sql and report
 * jobs register all the root holds when they start).
 */
public final class Warehouse {
    public static final String PARTITION_COLUMN = "dt";
    private static final Pattern TABLE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,127}");
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    /** How old staging debris must be before a write removes it ({@link #removeStagingDebris}). */
    public static final java.time.Duration STAGING_DEBRIS_AGE = java.time.Duration.ofHours(1);
    private static final Logger LOG = LoggerFactory.getLogger(Warehouse.class);

    private final SparkSession spark;
    private final Path root;

    public Warehouse(SparkSession spark, String root) {
        this.spark = spark;
        this.root = qualified(new Path(root));
    }

    public Path root() {
        return root;
    }

    public SparkSession spark() {
        return spark;
    }

    /** Whether the root folder exists (a job writing its first table creates it). */
    public boolean exists() {
        try {
            return fileSystem().exists(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open warehouse " + root, e);
        }
    }

    public Path tablePath(String table) {
        return new Path(root, checkTableName(table));
    }

    public static String checkTableName(String table) {
        if (!TABLE_NAME.matcher(table).matches()) {
            throw new IllegalArgumentException("table name '" + table + "' must match " + TABLE_NAME.pattern());
        }
        return table;
    }

    /**
     * Tables the jobs keep themselves, each a log appended to under a fixed name: the run records every job appends
     * to ({@code job_runs}, {@code pipeline_runs}, {@code training_metrics}) and the evaluations' results. No option may name one as a job's output (a {@code --dataset job_runs} would replace the night's run
     * records), nor a {@code <table>_quarantine} table, which belongs to the job writing {@code <table>}.
     */
    public static final Set<String> RESERVED = Set.of("job_runs", "training_metrics", "pipeline_runs",
            "self_correction_metrics", "flr_eval", "guidance_sweep", "policy_eval");

    private static final String QUARANTINE_SUFFIX = "_quarantine";

    /** {@link #checkTableName}, and not a table the jobs keep themselves ({@link #RESERVED}): for a user's output name. */
    public static String checkOutputName(String table) {
        checkTableName(table);
        if (RESERVED.contains(table) || table.endsWith(QUARANTINE_SUFFIX)) {
            throw new IllegalArgumentException("table name '" + table + "' is reserved for the warehouse's own "
                    + (table.endsWith(QUARANTINE_SUFFIX) ? "quarantine tables" : "table " + table)
                    + " (reserved: " + new java.util.TreeSet<>(RESERVED) + " and *" + QUARANTINE_SUFFIX
                    + "); choose another output name");
        }
        return table;
    }

    public static String checkDate(String dt) {
        boolean valid = DATE.matcher(dt).matches();
        try {
            valid = valid && java.time.LocalDate.parse(dt) != null;
        } catch (java.time.format.DateTimeParseException e) {
            valid = false;
        }
        if (!valid) {
            throw new IllegalArgumentException("dt '" + dt + "' must be a date YYYY-MM-DD");
        }
        return dt;
    }

    /**
     * Replaces partition {@code dt} of {@code table} with {@code rows}. Spark's dynamic partition overwrite writes to a
     * staging folder and swaps the partition in at commit, so a failed job leaves the previous partition in place.
     * An empty result still replaces the partition (by removing it): a re-run never leaves stale rows behind.
     */
    public void overwritePartition(Dataset<Row> rows, String table, String dt, boolean empty) {
        checkDate(dt);
        if (RESERVED.contains(table)) {
            throw new IllegalArgumentException(table + " is a log the jobs append to; no run replaces its partitions");
        }
        Path path = tablePath(table);
        checkSchema(table, dt, rows.schema(), false);
        removeStagingDebris(table);
        if (empty) {
            deletePartition(table, dt);
        } else {
            rows.withColumn(PARTITION_COLUMN, lit(dt)).write()
                    .mode(SaveMode.Overwrite)
                    .option("partitionOverwriteMode", "dynamic")
                    .partitionBy(PARTITION_COLUMN)
                    .parquet(path.toString());
        }
        register(table, rows.schema());
        if (!empty) {
            spark.sql("ALTER TABLE " + table + " ADD IF NOT EXISTS PARTITION (dt='" + dt + "')");
        }
        spark.catalog().refreshTable(table);
    }

    /** Adds rows to partition {@code dt} of a log-like table (run records), keeping what is there. */
    public void appendPartition(Dataset<Row> rows, String table, String dt) {
        checkDate(dt);
        checkSchema(table, dt, rows.schema(), true);
        removeStagingDebris(table);
        rows.withColumn(PARTITION_COLUMN, lit(dt)).write()
                .mode(SaveMode.Append)
                .partitionBy(PARTITION_COLUMN)
                .parquet(tablePath(table).toString());
        register(table, rows.schema());
        spark.sql("ALTER TABLE " + table + " ADD IF NOT EXISTS PARTITION (dt='" + dt + "')");
        spark.catalog().refreshTable(table);
    }

    /**
     * The rows of partition {@code dt} of {@code table}, without the dt column. A partition a job wrote empty (see
     * {@link #overwritePartition}) reads as no rows of the table's schema; a table or date never written is an error
     * that names them.
     */
    public Dataset<Row> partition(String table, String dt) {
        if (!hasPartition(table, dt)) {
            registerFolder(table);
            if (spark.catalog().tableExists(table)) {
                return spark.table(table).filter(col(PARTITION_COLUMN).equalTo(dt)).drop(PARTITION_COLUMN);
            }
            throw new IllegalArgumentException("table " + table + " has no partition dt=" + dt + " in the warehouse at " + root
                    + " (has the job that writes it run for that date?)");
        }
        return spark.read().parquet(new Path(tablePath(table), PARTITION_COLUMN + "=" + checkDate(dt)).toString());
    }

    /**
     * {@link #partition(String, String)}'s rows of one split: train, test, or all (every row). Any other value is an
     * error, not a filter that matches nothing.
     */
    public Dataset<Row> partition(String table, String dt, String split) {
        if (!List.of("train", "test", "all").contains(split)) {
            throw new IllegalArgumentException("--split must be train, test or all, got '" + split + "'");
        }
        Dataset<Row> rows = partition(table, dt);
        return split.equals("all") ? rows : rows.filter(col("split").equalTo(split));
    }

    public boolean hasPartition(String table, String dt) {
        try {
            Path path = new Path(tablePath(table), PARTITION_COLUMN + "=" + checkDate(dt));
            return fileSystem().exists(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Fails when {@code schema} is not the schema the table's first write fixed (read from a partition of another
     * date, the one being replaced aside): a table of preference pairs never takes a night of ratings whose columns
     * would then read NULL. Columns compare by name and type, not nullability (Parquet reads every column back
     * nullable). A log ({@code appending}) may gain columns at its end, as job_runs did its status.
     */
    void checkSchema(String table, String dt, StructType schema, boolean appending) {
        StructType fixed = fixedSchema(table, dt);
        if (fixed == null) {
            return;
        }
        List<String> had = columns(fixed);
        List<String> got = columns(schema);
        boolean extendsIt = appending && got.size() >= had.size() && got.subList(0, had.size()).equals(had);
        if (!got.equals(had) && !extendsIt) {
            List<String> missing = new java.util.ArrayList<>(had);
            missing.removeAll(got);
            List<String> added = new java.util.ArrayList<>(got);
            added.removeAll(had);
            throw new IllegalArgumentException("table " + table + " has the schema its first write fixed, (" + String.join(", ", had)
                    + "), but this run's dt=" + dt + " rows have (" + String.join(", ", got) + "): not in this run "
                    + missing + ", new in this run " + added + "; write to another table (or drop " + tablePath(table) + ")");
        }
    }

    /**
     * Removes what writes to {@code table} that were killed midway left behind: Spark's dynamic-overwrite staging
     * folders ({@code .spark-staging-<job>}) and the committer's {@code _temporary}, once older than
     * {@link #STAGING_DEBRIS_AGE} (a younger one may be a write in progress). The table's data never lived there.
     */
    void removeStagingDebris(String table) {
        try {
            FileSystem fs = fileSystem();
            Path path = tablePath(table);
            if (!fs.exists(path)) {
                return;
            }
            long cutoff = System.currentTimeMillis() - STAGING_DEBRIS_AGE.toMillis();
            for (FileStatus child : fs.listStatus(path)) {
                String name = child.getPath().getName();
                boolean staging = name.startsWith(".spark-staging-") || name.equals("_temporary");
                if (staging && child.getModificationTime() < cutoff) {
                    LOG.warn("removing {}, left by an interrupted write to {}", child.getPath(), table);
                    fs.delete(child.getPath(), true);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean table folder " + tablePath(table), e);
        }
    }

    private static List<String> columns(StructType schema) {
        return java.util.Arrays.stream(schema.fields()).filter(f -> !f.name().equals(PARTITION_COLUMN))
                .map(f -> f.name() + " " + f.dataType().catalogString()).toList();
    }

    /** The schema of a partition of {@code table} other than {@code dt}'s, or null where the table has none. */
    private StructType fixedSchema(String table, String dt) {
        try {
            FileStatus[] partitions = fileSystem().globStatus(new Path(tablePath(table), PARTITION_COLUMN + "=*"));
            if (partitions == null) {
                return null;
            }
            for (FileStatus partition : partitions) {
                if (partition.isDirectory() && !partition.getPath().getName().equals(PARTITION_COLUMN + "=" + dt)
                        && hasDataFiles(partition.getPath())) {
                    return spark.read().parquet(partition.getPath().toString()).schema();
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list table folder " + tablePath(table), e);
        }
    }

    private boolean hasDataFiles(Path folder) throws IOException {
        for (FileStatus file : fileSystem().listStatus(folder)) {
            String name = file.getPath().getName();
            if (file.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    /** Registers {@code table} in the catalog at its folder, with {@code schema} plus the dt partition column. */
    void register(String table, StructType schema) {
        if (registeredHere(table)) {
            return;
        }
        spark.sql("CREATE TABLE IF NOT EXISTS " + table + " (" + schema.add(PARTITION_COLUMN, "string").toDDL() + ")"
                + " USING parquet PARTITIONED BY (" + PARTITION_COLUMN + ") LOCATION '" + tablePath(table) + "'");
        // The partitions earlier runs wrote, which a job that registers its output first has not seen.
        if (partitionsOnStorage(table) > 0) {
            spark.sql("MSCK REPAIR TABLE " + table);
        }
    }

    private int partitionsOnStorage(String table) {
        try {
            FileStatus[] partitions = fileSystem().globStatus(new Path(tablePath(table), PARTITION_COLUMN + "=*"));
            return partitions == null ? 0 : partitions.length;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list table folder " + tablePath(table), e);
        }
    }

    /** Registers every table folder under the root that is not in the catalog yet, with all its partitions. */
    public void registerAll() {
        try {
            FileSystem fs = fileSystem();
            if (!fs.exists(root)) {
                return;
            }
            for (FileStatus folder : fs.listStatus(root)) {
                String table = folder.getPath().getName();
                if (folder.isDirectory() && TABLE_NAME.matcher(table).matches()) {
                    registerFolder(table);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list warehouse " + root, e);
        }
    }

    /** Registers table folder {@code table} with all its partitions, unless it is already in the catalog or has none. */
    private void registerFolder(String table) {
        if (registeredHere(table)) {
            return;
        }
        int partitions = partitionsOnStorage(table);
        if (partitions > 0) {
            spark.sql("CREATE TABLE IF NOT EXISTS " + table + " USING parquet LOCATION '" + tablePath(table) + "'");
            spark.sql("MSCK REPAIR TABLE " + table);
            LOG.info("registered table {} ({} partitions)", table, partitions);
        }
    }

    /**
     * Whether the catalog's {@code table} is this warehouse's. A table of the same name at another location (another
     * warehouse used earlier in the same session) is dropped from the catalog, never from storage: the tables are
     * external, so dropping one forgets it and leaves its files.
     */
    private boolean registeredHere(String table) {
        if (!spark.catalog().tableExists(table)) {
            return false;
        }
        String location = spark.sql("DESCRIBE TABLE EXTENDED " + table).filter("col_name = 'Location'")
                .select("data_type").as(org.apache.spark.sql.Encoders.STRING()).first();
        if (new Path(location).equals(tablePath(table))) {
            return true;
        }
        spark.sql("DROP TABLE " + table);
        return false;
    }

    private void deletePartition(String table, String dt) {
        Path path = new Path(tablePath(table), PARTITION_COLUMN + "=" + dt);
        try {
            fileSystem().delete(path, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + path, e);
        }
        if (spark.catalog().tableExists(table)) {
            spark.sql("ALTER TABLE " + table + " DROP IF EXISTS PARTITION (dt='" + dt + "')");
        }
    }

    private FileSystem fileSystem() throws IOException {
        return root.getFileSystem(spark.sparkContext().hadoopConfiguration());
    }

    private Path qualified(Path path) {
        try {
            return path.getFileSystem(spark.sparkContext().hadoopConfiguration()).makeQualified(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open warehouse " + path, e);
        }
    }
}
