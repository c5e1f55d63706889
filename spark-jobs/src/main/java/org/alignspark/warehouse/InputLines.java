package org.alignspark.warehouse;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaNewHadoopRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

/**
 * Input rows with where they came from. JSON Lines files (plain or compressed, any Hadoop path) are read line by line
 * with Hadoop's TextInputFormat, so a large file is split across tasks; Parquet files become one JSON text per row.
 */
public final class InputLines {

    /**
     * One input row. {@code lineNumber} is known exactly for a split that starts at its file's beginning (and so for
     * every compressed file); {@code byteOffset} for uncompressed files. {@code decodeError} is set when the bytes
     * are not valid UTF-8.
     */
    public record Line(String sourceFile, Long lineNumber, Long byteOffset, String text, String decodeError)
            implements Serializable {}

    private InputLines() {}

    /** The rows of the inputs, and how many hidden or {@code _}-prefixed files in their folders were left out. */
    public record Read(JavaRDD<Line> lines, long filesSkipped) {}

    /**
     * Reads files, folders and globs. A folder is read recursively, as Spark reads a table folder: files and folders
     * whose names start with {@code .} or {@code _} (Spark's {@code _SUCCESS} and {@code _temporary}, editors' hidden
     * files) are skipped and counted. A folder of Parquet files laid out as a table ({@code dt=...} subfolders) is
     * read as one, its partition values becoming columns; other Parquet files are read one by one.
     */
    public static Read read(SparkSession spark, List<String> inputs) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        List<Path> text = new ArrayList<>();
        List<Path> parquet = new ArrayList<>();
        List<String> parquetTables = new ArrayList<>();
        long skipped = 0;
        try {
            for (String input : inputs) {
                Path path = new Path(input);
                FileSystem fs = path.getFileSystem(conf);
                FileStatus[] matches = fs.globStatus(path);
                if (matches == null || matches.length == 0) {
                    throw new IllegalArgumentException("input " + input + " does not exist");
                }
                for (FileStatus match : matches) {
                    if (!match.isDirectory()) {
                        (isParquet(match.getPath()) ? parquet : text).add(match.getPath());
                        continue;
                    }
                    List<Path> files = new ArrayList<>();
                    skipped += walk(fs, match.getPath(), files);
                    if (files.isEmpty()) {
                        throw new IllegalArgumentException("input folder " + match.getPath() + " holds no data files "
                                + "(files and folders named .* or _* are skipped)");
                    }
                    if (files.stream().allMatch(InputLines::isParquet) && partitionLayout(match.getPath(), files)) {
                        parquetTables.add(match.getPath().toString());
                    } else {
                        files.forEach(f -> (isParquet(f) ? parquet : text).add(f));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list input " + inputs, e);
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<Line> lines = jsc.emptyRDD();
        if (!text.isEmpty()) {
            lines = lines.union(jsonLines(jsc, text));
        }
        if (!parquet.isEmpty()) {
            lines = lines.union(parquetRows(spark.read().parquet(parquet.stream().map(Path::toString).toArray(String[]::new))));
        }
        for (String table : parquetTables) {
            lines = lines.union(parquetRows(spark.read().parquet(table)));
        }
        return new Read(lines, skipped);
    }

    /** Collects the data files under {@code folder} into {@code files}; returns how many hidden ones it skipped. */
    private static long walk(FileSystem fs, Path folder, List<Path> files) throws IOException {
        long skipped = 0;
        for (FileStatus child : fs.listStatus(folder)) {
            String name = child.getPath().getName();
            boolean hidden = name.startsWith(".") || name.startsWith("_");
            if (hidden) {
                skipped += child.isDirectory() ? countFiles(fs, child.getPath()) : 1;
            } else if (child.isDirectory()) {
                skipped += walk(fs, child.getPath(), files);
            } else {
                files.add(child.getPath());
            }
        }
        return skipped;
    }

    private static long countFiles(FileSystem fs, Path folder) throws IOException {
        long n = 0;
        for (FileStatus child : fs.listStatus(folder)) {
            n += child.isDirectory() ? countFiles(fs, child.getPath()) : 1;
        }
        return n;
    }

    /** Whether every file under {@code root} lies in {@code name=value} subfolders only (or in {@code root} itself). */
    private static boolean partitionLayout(Path root, List<Path> files) {
        String prefix = root.toUri().getPath();
        return files.stream().allMatch(f -> {
            String relative = f.getParent().toUri().getPath().substring(prefix.length());
            return java.util.Arrays.stream(relative.split("/")).filter(seg -> !seg.isEmpty()).allMatch(seg -> seg.contains("="));
        });
    }

    private static boolean isParquet(Path file) {
        return file.getName().endsWith(".parquet");
    }

    private static JavaRDD<Line> parquetRows(org.apache.spark.sql.Dataset<Row> rows) {
        return rows.select(input_file_name().as("file"), to_json(struct(col("*"))).as("json"))
                .javaRDD()
                .map(row -> new Line(row.getString(0), null, null, row.getString(1), null));
    }

    /** A file the reader could not read to its end (a truncated gzip, a lost block), named with what to do. */
    private static InputError unreadable(String file, Exception e) {
        Throwable cause = e instanceof java.io.IOException || e.getCause() == null ? e : e.getCause();
        return new InputError("cannot read input " + file + " after its last whole line: " + cause
                + " (is it truncated? re-copy it, or leave it out of --input)", e);
    }

    /** The first line of the inputs that is a non-blank text, for formats that decide their kind from it. */
    public static String firstNonBlank(JavaRDD<Line> lines) {
        List<Line> first = lines.filter(l -> l.text() != null && !l.text().isBlank() && l.decodeError() == null).take(1);
        return first.isEmpty() ? null : first.get(0).text();
    }

    @SuppressWarnings("unchecked")
    private static JavaRDD<Line> jsonLines(JavaSparkContext jsc, List<Path> paths) {
        org.apache.hadoop.mapreduce.Job job;
        try {
            job = org.apache.hadoop.mapreduce.Job.getInstance(jsc.hadoopConfiguration());
            // The files themselves, listed above: TextInputFormat given a folder holding a folder fails on it.
            FileInputFormat.setInputPaths(job, paths.toArray(Path[]::new));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JavaNewHadoopRDD<LongWritable, Text> files = (JavaNewHadoopRDD<LongWritable, Text>)
                jsc.newAPIHadoopRDD(job.getConfiguration(), TextInputFormat.class, LongWritable.class, Text.class);
        return files.mapPartitionsWithInputSplit((split, records) -> {
            FileSplit file = (FileSplit) split;
            boolean compressed = new CompressionCodecFactory(new Configuration(false)).getCodec(file.getPath()) != null;
            boolean fromStart = file.getStart() == 0;
            String name = file.getPath().toString();
            return new Iterator<Line>() {
                long lineNumber = 0;

                @Override
                public boolean hasNext() {
                    try {
                        return records.hasNext();
                    } catch (Exception e) {
                        throw unreadable(name, e);
                    }
                }

                @Override
                public Line next() {
                    scala.Tuple2<LongWritable, Text> record;
                    try {
                        record = records.next();
                    } catch (Exception e) {
                        throw unreadable(name, e);
                    }
                    lineNumber++;
                    Text text = record._2();
                    Long number = fromStart ? lineNumber : null;
                    Long offset = compressed ? null : record._1().get();
                    try {
                        return new Line(name, number, offset, Text.decode(text.getBytes(), 0, text.getLength(), false), null);
                    } catch (CharacterCodingException e) {
                        String lossy = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(text.getBytes(), 0, text.getLength())).toString();
                        return new Line(name, number, offset, lossy, "invalid UTF-8");
                    }
                }
            };
        }, true);
    }
}
