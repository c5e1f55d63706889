package org.alignspark.jobs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.alignspark.Main;
import org.alignspark.testing.TestSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reproductions of issue 24 ("no good night is lost"), each run through {@link Main#run} as a user runs it. */
class ReliabilityTest {
    private static final String DT = "2026-11-27";
    private static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startSpark() {
        spark = TestSpark.session();
    }

    /** A job's exit code and what it printed on stderr. */
    record Outcome(int rc, String err) {
        /** The lines of stderr that say what failed (log lines excluded). */
        List<String> failureLines() {
            return err.lines().filter(l -> l.startsWith("alignspark ") || l.startsWith("  caused by")).toList();
        }
    }

    private Outcome run(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int rc = Main.run(args);
            return new Outcome(rc, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
            System.err.print(captured.toString(StandardCharsets.UTF_8));
        }
    }

    private String warehouse() {
        return tmp.resolve("warehouse").toString();
    }

    private Outcome ingest(String format, String dataset, String dt, String input, String... more) {
        List<String> args = new ArrayList<>(List.of("ingest", "--format", format, "--dataset", dataset, "--dt", dt,
                "--warehouse", warehouse(), "--input", input));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    private static String pairs() {
        return TestSpark.samples("trl-pairs.jsonl").toString();
    }

    /** Every file of a partition folder with its size: equal before and after means untouched. */
    private Map<String, Long> files(String table, String dt) throws IOException {
        Map<String, Long> files = new TreeMap<>();
        Path folder = Path.of(warehouse(), table, "dt=" + dt);
        if (!Files.exists(folder)) {
            return files;
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                files.put(folder.relativize(file).toString(), Files.size(file));
            }
        }
        return files;
    }

    private void assertOneLineFailure(Outcome outcome, String... phrases) {
        assertNotEquals(0, outcome.rc(), outcome.err());
        List<String> lines = outcome.failureLines();
        assertEquals(1, lines.size(), "one line of failure, got: " + lines);
        for (String phrase : phrases) {
            assertTrue(lines.get(0).contains(phrase), "'" + phrase + "' in: " + lines.get(0));
        }
    }

    // item 1: a run with nothing (or mostly rejects) to write fails and keeps the previous partition

    @Test
    void reingestingAnEmptyFileKeepsTheGoodPartition() throws IOException {
        assertEquals(0, ingest("trl", "p", DT, pairs()).rc());
        Map<String, Long> good = files("p", DT);
        assertEquals(7, spark.read().parquet(warehouse() + "/p/dt=" + DT).count());

        Path empty = Files.createFile(tmp.resolve("empty.jsonl"));
        assertOneLineFailure(ingest("trl", "p", DT, empty.toString()), "no rows to write to p dt=" + DT, "--allow-empty");
        assertEquals(good, files("p", DT));
    }

    @Test
    void reingestingAllBadRowsKeepsTheGoodPartition() throws IOException {
        assertEquals(0, ingest("trl", "p", DT, pairs()).rc());
        Map<String, Long> good = files("p", DT);
        Map<String, Long> goodQuarantine = files("p_quarantine", DT);

        Path notJson = Files.writeString(tmp.resolve("notes.jsonl"), "not json\nneither\nnor this\n");
        assertOneLineFailure(ingest("trl", "p", DT, notJson.toString()), "quarantined 3 of 3 rows", "--max-quarantine-fraction");
        assertEquals(good, files("p", DT));
        assertEquals(goodQuarantine, files("p_quarantine", DT));

        // The wrong --format: every row is rejected by the helpsteer2-ratings reader.
        assertOneLineFailure(ingest("helpsteer2-ratings", "p", DT, pairs()), "quarantined 8 of 8 rows");
        assertEquals(good, files("p", DT));
    }

    @Test
    void allowEmptyWritesAnEmptyPartitionOnPurpose() throws IOException {
        assertEquals(0, ingest("trl", "p", DT, pairs()).rc());
        Path empty = Files.createFile(tmp.resolve("empty.jsonl"));
        assertEquals(0, ingest("trl", "p", DT, empty.toString(), "--allow-empty").rc());
        assertEquals(0, spark.sql("SELECT * FROM p WHERE dt = '" + DT + "'").count());
    }

    // item 3: the warehouse's own tables are reserved

    @Test
    void datasetMayNotNameTheWarehousesOwnTables() throws IOException {
        assertEquals(0, ingest("trl", "p", DT, pairs()).rc());
        Map<String, Long> runs = files("job_runs", DT);
        assertOneLineFailure(ingest("trl", "job_runs", DT, pairs()), "'job_runs' is reserved");
        assertEquals(runs, files("job_runs", DT));
        assertOneLineFailure(ingest("trl", "p_quarantine", DT, pairs()), "'p_quarantine' is reserved");
        assertOneLineFailure(run("diversity", "--input", "p", "--output", "pipeline_runs", "--dt", DT, "--warehouse", warehouse()),
                "'pipeline_runs' is reserved");
        assertTrue(org.alignspark.warehouse.Warehouse.RESERVED.containsAll(List.of(
                org.alignspark.warehouse.RunRecord.TABLE, org.alignspark.train.TrainingMetricsTable.TABLE,
                org.alignspark.pipeline.PipelineRunsTable.TABLE, org.alignspark.evaluation.SelfCorrectionMetricsTable.TABLE,
                FlrEvalJob.TABLE, GuidanceSweepJob.TABLE, EvalPolicyJob.TABLE)));
    }

    // item 4: a table's schema is fixed by its first write

    @Test
    void aTableRefusesAnotherSchemaOnAnotherDate() throws IOException {
        assertEquals(0, ingest("trl", "p", DT, pairs()).rc());
        Outcome ratings = ingest("helpsteer2-ratings", "p", "2026-11-28", TestSpark.samples("helpsteer2-ratings.jsonl").toString());
        assertOneLineFailure(ratings, "table p has the schema its first write fixed", "chosen string", "not in this run [");
        assertEquals(Map.of(), files("p", "2026-11-28"));
        assertEquals(7, spark.read().parquet(warehouse() + "/p").count());
    }

    // item 7: every run is visible in job_runs, and interrupted writes leave nothing for long

    private List<org.apache.spark.sql.Row> runsOf(String table) {
        return spark.read().parquet(warehouse() + "/job_runs").filter("table_name = '" + table + "'")
                .orderBy("started_at").collectAsList();
    }

    @Test
    void aFailedRunIsRecordedWithItsError() throws IOException {
        assertEquals(0, ingest("trl", "p", DT, pairs()).rc());
        Path empty = Files.createFile(tmp.resolve("empty.jsonl"));
        assertNotEquals(0, ingest("trl", "p", DT, empty.toString()).rc());
        List<org.apache.spark.sql.Row> runs = runsOf("p");
        assertEquals(List.of("succeeded", "failed"), runs.stream().map(r -> r.<String>getAs("status")).toList());
        assertTrue(runs.get(1).<String>getAs("error").contains("no rows to write to p"), runs.get(1).toString());
        assertEquals(List.of(), listing(Path.of(warehouse(), "job_runs", "_started")), "no run is left open");
    }

    @Test
    void anInterruptedRunIsRecordedAsStartedByTheNextRun() throws IOException {
        // What a run killed after its start leaves: its start file (written as JobOptions.start writes it), no row.
        Path started = Files.createDirectories(Path.of(warehouse(), "job_runs", "_started"));
        Files.writeString(started.resolve("ingest-killed.json"), "{\"run_id\": \"ingest-killed\", \"job\": \"ingest\", "
                + "\"table\": \"p\", \"dt\": \"" + DT + "\", \"started_at\": \"2026-11-27T01:00:00Z\"}");
        assertEquals(0, ingest("trl", "p", DT, pairs()).rc());
        List<org.apache.spark.sql.Row> runs = runsOf("p");
        assertEquals(List.of("started", "succeeded"), runs.stream().map(r -> r.<String>getAs("status")).toList());
        assertEquals("ingest-killed", runs.get(0).getAs("run_id"));
        assertTrue(runs.get(0).isNullAt(runs.get(0).fieldIndex("finished_at")));
    }

    @Test
    void stagingDebrisOfAnInterruptedWriteIsRemovedByTheNextRun() throws IOException {
        assertEquals(0, ingest("trl", "p", DT, pairs()).rc());
        Path table = Path.of(warehouse(), "p");
        Path oldStaging = Files.createDirectories(table.resolve(".spark-staging-0f3a/dt=" + DT));
        Files.writeString(oldStaging.resolve("part-00000.parquet"), "half a file");
        Path oldTemporary = Files.createDirectories(table.resolve("_temporary/0"));
        Path freshStaging = Files.createDirectories(table.resolve(".spark-staging-9c1d"));
        java.nio.file.attribute.FileTime twoHoursAgo = java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(java.time.Duration.ofHours(2)));
        Files.setLastModifiedTime(table.resolve(".spark-staging-0f3a"), twoHoursAgo);
        Files.setLastModifiedTime(table.resolve("_temporary"), twoHoursAgo);

        assertEquals(0, ingest("trl", "p", DT, pairs()).rc());
        assertTrue(Files.notExists(table.resolve(".spark-staging-0f3a")));
        assertTrue(Files.notExists(oldTemporary));
        assertTrue(Files.exists(freshStaging), "a staging folder younger than an hour may be a write in progress");
        assertEquals(7, spark.read().parquet(table.toString()).count());
    }

    private static List<String> listing(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).toList();
        }
    }

    // item 5: sql is read-only unless --write, and writes only inside the warehouse

    @Test
    void sqlRefusesStatementsThatWrite() {
        assertEquals(0, ingest("trl", "p", DT, pairs()).rc());
        assertOneLineFailure(run("sql", "--warehouse", warehouse(), "INSERT INTO p SELECT * FROM p"),
                "sql is read-only", "InsertIntoStatement", "--write");
        assertOneLineFailure(run("sql", "--warehouse", warehouse(),
                "CREATE TABLE q USING parquet AS SELECT * FROM p"), "sql is read-only", "--write");
        assertOneLineFailure(run("sql", "--warehouse", warehouse(), "SELECT count(*) FROM p", "DROP TABLE p"),
                "statement 2 writes");
        assertEquals(7, spark.read().parquet(warehouse() + "/p").count());
        assertEquals(0, run("sql", "--warehouse", warehouse(), "SELECT count(*) FROM p", "SHOW TABLES", "DESCRIBE p").rc());
    }

    @Test
    void sqlWritesWithWriteAndOnlyInsideTheWarehouse() {
        assertEquals(0, ingest("trl", "p", DT, pairs()).rc());
        assertEquals(0, run("sql", "--write", "--warehouse", warehouse(),
                "CREATE TABLE q_copy USING parquet AS SELECT pair_id FROM p").rc());
        assertEquals(7, spark.read().parquet(warehouse() + "/q_copy").count());
        spark.sql("DROP TABLE q_copy");
        assertTrue(Files.notExists(Path.of("spark-warehouse")), "no spark-warehouse/ in the folder the job ran from");
    }

    @Test
    void sqlOnAMissingWarehouseSaysWhereItLooked() {
        assertOneLineFailure(run("sql", "--warehouse", tmp.resolve("nowhere").toString(), "SELECT * FROM p"),
                "warehouse folder", "does not exist", "--warehouse");
    }

    // item 6: pipeline checks every step's options before the first step runs

    @Test
    void pipelineNamesUnknownStepOptionsBeforeAnyStepRuns() throws IOException {
        Path config = Files.writeString(tmp.resolve("typo.yaml"), """
                name: typo
                steps:
                  - name: pairs
                    job: ingest
                    args: {format: trl, input: "%s", dataset: p}
                    outputs: [table:p]
                  - name: more
                    job: ingest
                    args: {format: trl, inptu: "%s", datset: q}
                    outputs: [table:q]
                """.formatted(pairs(), pairs()));
        Outcome outcome = run("pipeline", "--config", config.toString(), "--dt", DT, "--warehouse", warehouse());
        assertOneLineFailure(outcome, "step 'more' (ingest)", "--inptu", "--datset", "did you mean", "nothing was run");
        assertTrue(Files.notExists(Path.of(warehouse(), "p")), "step 1 did not run");
    }

    // item 2: ingest reads folders recursively, skipping and counting hidden files

    @Test
    void ingestReadsAFolderWithSubfoldersAndCountsTheHiddenFilesItSkips() throws IOException {
        List<String> lines = Files.readAllLines(Path.of(pairs()));
        Path folder = Files.createDirectories(tmp.resolve("night/sub"));
        Files.write(tmp.resolve("night/a.jsonl"), lines.subList(0, 4));
        Files.write(folder.resolve("b.jsonl"), lines.subList(4, lines.size()));
        Files.writeString(tmp.resolve("night/_SUCCESS"), "");
        Files.writeString(tmp.resolve("night/.draft.jsonl"), "not rows");
        Files.createDirectories(tmp.resolve("night/_temporary/0"));
        Files.writeString(tmp.resolve("night/_temporary/0/part-0.jsonl"), "{half a row");

        assertEquals(0, ingest("trl", "p", DT, tmp.resolve("night").toString()).rc());
        org.apache.spark.sql.Row run = runsOf("p").get(0);
        assertEquals(8L, run.<Long>getAs("rows_in"), "every line of both files, none of the hidden ones");
        assertEquals(7L, run.<Long>getAs("rows_out"));
        assertEquals(3L, run.<Long>getAs("files_skipped"), "_SUCCESS, .draft.jsonl, _temporary/0/part-0.jsonl");
    }

    @Test
    void ingestReadsAParquetTableFolderWithDtPartitions() {
        Path table = tmp.resolve("hs2-table");
        spark.read().json(TestSpark.samples("helpsteer2-preference.jsonl").toString())
                .withColumn("dt", org.apache.spark.sql.functions.lit("2026-01-01"))
                .write().partitionBy("dt").parquet(table.toString());
        assertEquals(0, ingest("helpsteer2-preference", "hs2", DT, table.toString()).rc());
        org.apache.spark.sql.Row run = runsOf("hs2").get(0);
        assertEquals(4L, run.<Long>getAs("rows_in"));
        assertEquals(3L, run.<Long>getAs("rows_out"));
        assertEquals(1L, run.<Long>getAs("files_skipped"), "Spark's _SUCCESS");
    }

    // item 8: each message one line that names the input and says what to do

    @Test
    void aBadDateIsOneLine() {
        Outcome outcome = ingest("trl", "p", "2026-13-45", pairs());
        assertOneLineFailure(outcome, "dt '2026-13-45' must be a date YYYY-MM-DD");
        assertTrue(!outcome.err().contains("Exception"), outcome.err());
    }

    @Test
    void aModelTooLargeForMemoryNamesItsSizeInOneLine() {
        Path folder = tmp.resolve("huge");
        Outcome outcome = run("init-model", "--family", "llama", "--d-model", "65536", "--layers", "64", "--heads", "64",
                "--output", folder.toString());
        // 16 · 64 · 65536² + 2 · 262 · 65536 parameters, 4 bytes each: far above the tests' 4 GiB off-heap limit
        assertOneLineFailure(outcome, "about 4,398,080,851,968 parameters", "off-heap limit");
        assertTrue(!outcome.err().contains("bad_alloc"), outcome.err());
        assertTrue(!Files.exists(folder.resolve("model.safetensors")), "nothing written");
    }

    @Test
    void anUnknownJobWithHelpExitsNonZero() {
        Outcome outcome = run("ingset", "--help");
        assertEquals(2, outcome.rc());
        assertTrue(outcome.err().contains("unknown job 'ingset'") && outcome.err().contains("ingest"), outcome.err());
    }

    @Test
    void aMistypedOptionIsNamedWithASuggestion() {
        Outcome outcome = run("ingest", "--fromat", "trl", "--input", pairs(), "--dataset", "p", "--dt", DT);
        assertEquals(2, outcome.rc());
        assertTrue(outcome.err().contains("'--fromat'") && outcome.err().contains("did you mean --format"), outcome.err());
        assertTrue(!outcome.err().contains("Missing required"), outcome.err());
    }

    @Test
    void aTruncatedGzipIsNamedInOneLine() throws IOException {
        byte[] whole = Files.readAllBytes(TestSpark.samples("hh-rlhf.jsonl.gz"));
        Path truncated = Files.write(tmp.resolve("cut.jsonl.gz"), java.util.Arrays.copyOf(whole, whole.length / 2));
        assertOneLineFailure(ingest("hh-rlhf", "hh", DT, truncated.toString()), "cannot read input", "cut.jsonl.gz",
                "truncated");
    }

    @Test
    void aBadModelFailsOnTheDriverInOneLine() throws IOException {
        Path notAModel = Files.createDirectories(tmp.resolve("not-a-model"));
        assertOneLineFailure(run("generate", "--prompts", "p", "--policy", notAModel.toString(), "--output", "s",
                "--dt", DT, "--warehouse", warehouse()), "--policy " + notAModel, "is not a model folder", "config.json");
        assertOneLineFailure(run("flr-score", "--responses", "r", "--scorer", notAModel.toString(), "--output", "f",
                "--dt", DT, "--warehouse", warehouse()), "--scorer " + notAModel, "is not a model folder");
        assertOneLineFailure(run("ches", "--pairs", "p", "--model", notAModel.toString(), "--output", "c",
                "--dt", DT, "--warehouse", warehouse()), "--model " + notAModel, "is not a model folder");
    }

    @Test
    void aTrainingRunGivenAsAModelNamesItsNewestCheckpoint() throws IOException {
        Path run = tmp.resolve("train-run");
        for (String checkpoint : List.of("checkpoint-000010", "checkpoint-000020")) {
            Files.createDirectories(run.resolve(checkpoint));
            Files.writeString(run.resolve(checkpoint).resolve("trainer_state.json"), "{}");
        }
        assertOneLineFailure(run("generate", "--prompts", "p", "--policy", run.toString(), "--output", "s",
                "--dt", DT, "--warehouse", warehouse()), "is a training run's folder", "checkpoint-000020");
    }

    @Test
    void ingestHelpListsEveryFormat() {
        java.io.StringWriter help = new java.io.StringWriter();
        picocli.CommandLine ingest = new picocli.CommandLine(new IngestJob());
        ingest.setOut(new java.io.PrintWriter(help));
        ingest.usage(new java.io.PrintWriter(help));
        String text = help.toString().replaceAll("\\s+", " ");
        for (org.alignspark.data.formats.InputFormat format : org.alignspark.data.formats.InputFormat.values()) {
            assertTrue(text.contains(format.cliName()), "ingest --help lacks " + format.cliName() + ": " + text);
        }
    }
}
