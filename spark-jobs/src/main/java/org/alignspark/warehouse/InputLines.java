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

    public static JavaRDD<Line> read(SparkSession spark, List<String> inputs) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        List<String> jsonl = new ArrayList<>();
        List<String> parquet = new ArrayList<>();
        for (String input : inputs) {
            (isParquet(input, conf) ? parquet : jsonl).add(input);
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<Line> lines = jsc.emptyRDD();
        if (!jsonl.isEmpty()) {
            lines = lines.union(jsonLines(jsc, String.join(",", jsonl)));
        }
        if (!parquet.isEmpty()) {
            lines = lines.union(spark.read().parquet(parquet.toArray(String[]::new))
                    .select(input_file_name().as("file"), to_json(struct(col("*"))).as("json"))
                    .javaRDD()
                    .map(row -> new Line(row.getString(0), null, null, row.getString(1), null)));
        }
        return lines;
    }

    /** The first line of the inputs that is a non-blank text, for formats that decide their kind from it. */
    public static String firstNonBlank(JavaRDD<Line> lines) {
        List<Line> first = lines.filter(l -> l.text() != null && !l.text().isBlank() && l.decodeError() == null).take(1);
        return first.isEmpty() ? null : first.get(0).text();
    }

    @SuppressWarnings("unchecked")
    private static JavaRDD<Line> jsonLines(JavaSparkContext jsc, String paths) {
        JavaNewHadoopRDD<LongWritable, Text> files = (JavaNewHadoopRDD<LongWritable, Text>)
                jsc.newAPIHadoopFile(paths, TextInputFormat.class, LongWritable.class, Text.class, jsc.hadoopConfiguration());
        return files.mapPartitionsWithInputSplit((split, records) -> {
            FileSplit file = (FileSplit) split;
            boolean compressed = new CompressionCodecFactory(new Configuration(false)).getCodec(file.getPath()) != null;
            boolean fromStart = file.getStart() == 0;
            String name = file.getPath().toString();
            return new Iterator<Line>() {
                long lineNumber = 0;

                @Override
                public boolean hasNext() {
                    return records.hasNext();
                }

                @Override
                public Line next() {
                    var record = records.next();
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

    /** A path is Parquet when its name ends in .parquet or it is a folder whose data files do. */
    static boolean isParquet(String input, Configuration conf) {
        if (input.endsWith(".parquet")) {
            return true;
        }
        try {
            Path path = new Path(input);
            FileSystem fs = path.getFileSystem(conf);
            FileStatus[] matches = fs.globStatus(path);
            if (matches == null || matches.length == 0) {
                throw new IllegalArgumentException("input " + input + " does not exist");
            }
            for (FileStatus match : matches) {
                if (match.isDirectory()) {
                    for (FileStatus child : fs.listStatus(match.getPath())) {
                        if (child.getPath().getName().endsWith(".parquet")) {
                            return true;
                        }
                    }
                }
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read input " + input, e);
        }
    }
}
