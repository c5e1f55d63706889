package org.alignspark.jobs;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

import org.alignspark.Main;
import org.alignspark.data.avro.PreferencePair;
import org.alignspark.testing.TestSpark;
import org.apache.avro.specific.SpecificData;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IngestJobTest {
    private static final String DT = "2026-11-27";
    private static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startSpark() {
        spark = TestSpark.session();
    }

    private String warehouse() {
        return tmp.resolve("warehouse").toString();
    }

    private void ingest(String format, String dataset, String dt, String... inputs) {
        String[] args = new String[]{"ingest", "--format", format, "--dataset", dataset, "--dt", dt,
                "--warehouse", warehouse(), "--test-fraction", "0.3", "--input"};
        String[] all = java.util.Arrays.copyOf(args, args.length + inputs.length);
        System.arraycopy(inputs, 0, all, args.length, inputs.length);
        assertEquals(0, Main.run(all), "ingest " + dataset + " failed");
    }

    private Row lastRun(String dataset) {
        return spark.read().parquet(warehouse() + "/job_runs")
                .filter("table_name = '" + dataset + "'").orderBy(org.apache.spark.sql.functions.col("finished_at").desc())
                .first();
    }

    private static long field(Row run, String name) {
        return run.getLong(run.fieldIndex(name));
    }

    private static void assertBalanced(Row run) {
        assertEquals(field(run, "rows_in"),
                field(run, "rows_out") + field(run, "rows_quarantined") + field(run, "duplicates") + field(run, "ties"),
                run.toString());
    }

    @Test
    void everyFormatIngestsItsSample() {
        record Case(String format, String file, long in, long out, long duplicates, long ties) {}
        List<Case> cases = List.of(
                new Case("trl", "trl-pairs.jsonl", 8, 7, 1, 0),
                new Case("trl", "trl-unpaired.jsonl", 5, 5, 0, 0),
                new Case("hh-rlhf", "hh-rlhf.jsonl.gz", 4, 4, 0, 0),
                new Case("ultrafeedback-binarized", "ultrafeedback-binarized.jsonl", 3, 2, 0, 1),
                new Case("helpsteer2-preference", "helpsteer2-preference.jsonl", 4, 3, 0, 1),
                new Case("helpsteer2-ratings", "helpsteer2-ratings.jsonl", 4, 4, 0, 0),
                new Case("self-correction", "self-correction.jsonl", 4, 4, 0, 0),
                new Case("candidates", "candidates.jsonl", 3, 3, 0, 0),
                new Case("dialogues", "dialogues.jsonl", 3, 3, 0, 0));
        for (Case c : cases) {
            String dataset = c.file().replaceAll("\\..*", "").replace('-', '_');
            ingest(c.format(), dataset, DT, TestSpark.samples(c.file()).toString());
            Row run = lastRun(dataset);
            assertEquals(c.in(), field(run, "rows_in"), dataset);
            assertEquals(c.out(), field(run, "rows_out"), dataset);
            assertEquals(0, field(run, "rows_quarantined"), dataset);
            assertEquals(c.duplicates(), field(run, "duplicates"), dataset);
            assertEquals(c.ties(), field(run, "ties"), dataset);
            assertEquals(c.out(), spark.sql("SELECT * FROM " + dataset + " WHERE dt = '" + DT + "'").count(), dataset);
        }
        Row unpaired = spark.sql("SELECT completion, label FROM trl_unpaired WHERE completion = '5'").first();
        assertEquals(false, unpaired.getBoolean(1));
        Row dialogue = spark.sql("SELECT size(prompt), completion FROM dialogues WHERE completion LIKE 'Owls%'").first();
        assertEquals(3, dialogue.getInt(0));
        Row hh = spark.sql("SELECT size(prompt) AS turns, chosen FROM hh_rlhf WHERE chosen LIKE 'How about%'").first();
        assertEquals(3, hh.getInt(0));
    }

    @Test
    void brokenLinesAreQuarantinedWithReasonsAndEveryRowIsAccountedFor() throws IOException {
        Path broken = tmp.resolve("broken.jsonl");
        Files.copy(Path.of(getClass().getResource("/broken/broken-lines.jsonl").getPath()), broken);
        String megabyte = "x".repeat(1 << 20);
        Files.writeString(broken, "{\"prompt\": \"Huge\", \"chosen\": \"" + megabyte + "\", \"rejected\": \"b\"}\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        Path binary = tmp.resolve("random.bin");
        byte[] bytes = new byte[16 * 1024];
        new Random(7).nextBytes(bytes);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\r') {
                bytes[i] = '\n';
            }
        }
        try (OutputStream out = Files.newOutputStream(binary)) {
            out.write(bytes);
        }
        long binaryLines = binaryLineCount(bytes);

        // Most of these rows are bad on purpose: the run is allowed to quarantine them all.
        ingest("trl", "broken", DT, broken.toString(), binary.toString(), "--max-quarantine-fraction", "1");

        Row run = lastRun("broken");
        assertBalanced(run);
        assertEquals(20 + binaryLines, field(run, "rows_in"));
        assertEquals(2, field(run, "rows_out"));
        assertEquals(1, field(run, "duplicates"));
        assertEquals(17 + binaryLines, field(run, "rows_quarantined"));

        Map<String, Long> reasons = spark.sql("SELECT reason, count(*) AS n FROM broken_quarantine WHERE dt = '" + DT
                        + "' AND source_file LIKE '%broken.jsonl' GROUP BY reason").collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
        assertEquals(1L, reasons.get("field 'chosen' must be a string or a list of messages, got number"));
        assertEquals(1L, reasons.get("field 'chosen' contains a NUL character"));
        assertEquals(1L, reasons.get("chosen and rejected are the same text"));
        assertEquals(1L, reasons.get("blank line"));
        assertEquals(2L, reasons.get("not a JSON object"));
        assertEquals(1L, reasons.get("invalid UTF-8"));
        assertEquals(1L, reasons.get("field 'chosen' has 1048576 characters, over the limit of 200000"));
        assertTrue(reasons.keySet().stream().filter(r -> r.startsWith("malformed JSON")).count() >= 3, reasons.toString());

        Row huge = spark.sql("SELECT line_number, byte_offset, raw_length, length(raw_text) FROM broken_quarantine "
                + "WHERE reason LIKE '%over the limit%'").first();
        assertEquals(20L, huge.getLong(0));
        assertEquals(Files.size(broken) - huge.getLong(2) - 1, huge.getLong(1));
        assertEquals(65536, huge.getInt(3));
        assertEquals(binaryLines, spark.sql("SELECT count(*) FROM broken_quarantine WHERE source_file LIKE '%random.bin'").first().getLong(0));
    }

    /** Lines as Hadoop's LineRecordReader cuts them: at each '\n' (the bytes hold no '\r'), the last one unterminated. */
    private static long binaryLineCount(byte[] bytes) {
        long lines = 0;
        for (byte b : bytes) {
            lines += b == '\n' ? 1 : 0;
        }
        return bytes[bytes.length - 1] == '\n' ? lines : lines + 1;
    }

    @Test
    void rerunningTheSameDateReplacesItsPartition() throws IOException {
        String input = TestSpark.samples("trl-pairs.jsonl").toString();
        ingest("trl", "pairs", DT, input);
        List<Row> first = spark.sql("SELECT pair_id FROM pairs WHERE dt = '" + DT + "' ORDER BY pair_id").collectAsList();
        ingest("trl", "pairs", DT, input);
        List<Row> second = spark.sql("SELECT pair_id FROM pairs WHERE dt = '" + DT + "' ORDER BY pair_id").collectAsList();
        assertEquals(7, first.size());
        assertEquals(first, second);

        ingest("trl", "pairs", "2026-11-28", input);
        assertEquals(14, spark.sql("SELECT * FROM pairs").count());
        assertEquals(7, spark.sql("SELECT * FROM pairs WHERE dt = '2026-11-28'").count());

        // A re-run whose input is now clean leaves no stale quarantine rows behind.
        Path dirty = tmp.resolve("dirty.jsonl");
        Files.writeString(dirty, Files.readString(Path.of(input)) + "{broken\n");
        ingest("trl", "pairs", DT, dirty.toString());
        assertEquals(1, spark.sql("SELECT * FROM pairs_quarantine WHERE dt = '" + DT + "'").count());
        ingest("trl", "pairs", DT, input);
        assertEquals(0, spark.sql("SELECT * FROM pairs_quarantine WHERE dt = '" + DT + "'").count());
        assertEquals(7, spark.sql("SELECT * FROM pairs WHERE dt = '" + DT + "'").count());
    }

    @Test
    void parquetInputIngestsLikeJsonLines() {
        Path parquet = tmp.resolve("hs2-parquet");
        spark.read().json(TestSpark.samples("helpsteer2-preference.jsonl").toString()).write().parquet(parquet.toString());
        ingest("helpsteer2-preference", "hs2", DT, parquet.toString());
        Row run = lastRun("hs2");
        assertEquals(4, field(run, "rows_in"));
        assertEquals(3, field(run, "rows_out"));
        assertEquals(1, field(run, "ties"));
        assertEquals(3.0, spark.sql("SELECT margin FROM hs2 WHERE chosen LIKE 'Plants%'").first().getDouble(0));
    }

    @Test
    void writtenPartitionReadsBackThroughParquetAvroAsGeneratedRecords() throws IOException {
        ingest("trl", "avro_pairs", DT, TestSpark.samples("trl-pairs.jsonl").toString());
        Path partition = Path.of(warehouse(), "avro_pairs", "dt=" + DT);
        Path file;
        try (var files = Files.list(partition)) {
            file = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
        Configuration conf = new Configuration();
        AvroReadSupport.setAvroReadSchema(conf, PreferencePair.getClassSchema());
        List<PreferencePair> pairs = new java.util.ArrayList<>();
        try (ParquetReader<PreferencePair> reader = AvroParquetReader.<PreferencePair>builder(
                HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toString()), conf))
                .withDataModel(SpecificData.get()).withConf(conf).build()) {
            for (PreferencePair pair = reader.read(); pair != null; pair = reader.read()) {
                pairs.add(pair);
            }
        }
        assertEquals(7, pairs.size());
        PreferencePair margin = pairs.stream().filter(p -> p.getChosen().equals("17 + 25 = 42.")).findFirst().orElseThrow();
        assertEquals(2.0, margin.getMargin());
        assertEquals("Add 17 and 25.", margin.getPrompt().get(0).getContent());
        // Shards are grouped by prompt id: the rows of a file come sorted by it.
        List<String> ids = pairs.stream().map(PreferencePair::getPromptId).toList();
        assertEquals(ids.stream().sorted().toList(), ids);
    }

    /**
     * HelpSteer2's files carry their own split ("train" / "val"). At --test-fraction 1 the prompt-id hash puts every
     * prompt in test, so a row the file calls "train" shows which source won: by default (--split-from column) the
     * file's split is kept ("val" becomes test), a row without a split falls back to the hash, and an unknown split
     * is quarantined; with --split-from hash every row is test.
     */
    @Test
    void keepsTheDatasetsOwnSplitUnlessTheHashIsAskedFor() throws IOException {
        Path file = tmp.resolve("helpsteer2-split.jsonl");
        Files.writeString(file, String.join("\n",
                "{\"split\": \"train\", \"prompt\": \"Name a prime.\", \"response_1\": \"7\", \"response_2\": \"8\", \"preference_strength\": -2}",
                "{\"split\": \"val\", \"prompt\": \"Name a colour.\", \"response_1\": \"Loud\", \"response_2\": \"Blue\", \"preference_strength\": 3}",
                "{\"prompt\": \"Name a fruit.\", \"response_1\": \"Apple\", \"response_2\": \"Chair\", \"preference_strength\": -1}",
                "{\"split\": \"holdout\", \"prompt\": \"Name a river.\", \"response_1\": \"Nile\", \"response_2\": \"Sahara\", \"preference_strength\": -3}",
                ""), StandardCharsets.UTF_8);
        for (String splitFrom : List.of("column", "hash")) {
            String dataset = "hs2_" + splitFrom;
            assertEquals(0, Main.run("ingest", "--format", "helpsteer2-preference", "--dataset", dataset, "--dt", DT,
                    "--warehouse", warehouse(), "--test-fraction", "1.0", "--split-from", splitFrom, "--input", file.toString()));
        }
        Map<String, String> column = splitsByChosen("hs2_column");
        assertEquals(Map.of("7", "train", "Blue", "test", "Apple", "test"), column);
        assertEquals(List.of("split 'holdout' is not one of train, test, val, validation, valid, dev"),
                spark.read().parquet(warehouse() + "/hs2_column_quarantine").select("reason").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
        assertEquals(Map.of("7", "test", "Blue", "test", "Apple", "test", "Nile", "test"), splitsByChosen("hs2_hash"));
    }

    private Map<String, String> splitsByChosen(String dataset) {
        return spark.read().parquet(warehouse() + "/" + dataset + "/dt=" + DT).collectAsList().stream()
                .collect(Collectors.toMap(r -> r.<String>getAs("chosen"), r -> r.<String>getAs("split")));
    }
}
