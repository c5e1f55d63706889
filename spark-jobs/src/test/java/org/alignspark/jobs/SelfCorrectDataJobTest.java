package org.alignspark.jobs;

import java.nio.file.Path;
import java.util.List;

import org.alignspark.Main;
import org.alignspark.testing.TestSpark;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SelfCorrectDataJobTest {
    private static final String DT = "2026-12-02";

    @TempDir
    Path tmp;

    @Test
    void mixKeepsTheLargestSetWithTheRequestedCltShare() {
        assertArrayEquals(new long[] {40, 60}, SelfCorrectDataJob.mix(100, 60, 0.4));   // CST limits: T = 60/0.6 = 100
        assertArrayEquals(new long[] {10, 15}, SelfCorrectDataJob.mix(10, 90, 0.4));    // CLT limits: T = 10/0.4 = 25
        assertArrayEquals(new long[] {0, 90}, SelfCorrectDataJob.mix(10, 90, 0.0));
        assertArrayEquals(new long[] {10, 0}, SelfCorrectDataJob.mix(10, 90, 1.0));
    }

    @Test
    void buildsCltAndCstDialoguesFromJudgedTracesAndQuarantinesUnjudgedOnes() {
        // samples/self-correction.jsonl, hand-counted: 7+8 wrong→right (CST), 9*3 right→right (CLT),
        // 20-6 right→wrong (CLT), 5+5 without verdicts (quarantined)
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        assertEquals(0, Main.run("ingest", "--format", "self-correction", "--input", TestSpark.samples("self-correction.jsonl").toString(),
                "--dataset", "sc_traces", "--dt", DT, "--test-fraction", "0", "--warehouse", warehouse));
        assertEquals(0, Main.run("self-correct-data", "--traces", "sc_traces", "--dt", DT, "--output", "cct",
                "--clt-fraction", "0.5", "--instruction", "reask", "--answer-template", "The answer is {answer}.",
                "--warehouse", warehouse));

        List<Row> rows = spark.sql("SELECT source, prompt, completion FROM cct WHERE dt = '" + DT + "' ORDER BY source").collectAsList();
        assertEquals(2, rows.size());                 // T = min(2/0.5, 1/0.5) = 2: one CLT, one CST
        assertEquals("clt", rows.get(0).getString(0));
        assertEquals("cst", rows.get(1).getString(0));
        Row cst = rows.get(1);
        List<Row> turns = cst.getList(1);
        assertEquals(3, turns.size());
        assertEquals("What is 7 + 8?", turns.get(0).getString(1));
        assertEquals("7 + 8 = 14.", turns.get(1).getString(1));
        assertEquals("What is 7 + 8?", turns.get(2).getString(1));   // Reask
        assertEquals("The answer is 15.", cst.getString(2));
        assertEquals(1L, spark.sql("SELECT count(*) FROM cct_quarantine WHERE reason = 'attempt 1 has no verdict'").first().getLong(0));

        assertEquals(0, Main.run("self-correct-data", "--traces", "sc_traces", "--dt", DT, "--output", "clt_only",
                "--clt-fraction", "1", "--warehouse", warehouse));
        assertEquals(2L, spark.sql("SELECT count(*) FROM clt_only WHERE source = 'clt'").first().getLong(0));
        Row run = spark.sql("SELECT rows_in, rows_out, rows_quarantined, duplicates FROM job_runs WHERE table_name = 'cct'").first();
        assertEquals(List.of(4L, 2L, 1L, 1L), List.of(run.getLong(0), run.getLong(1), run.getLong(2), run.getLong(3)));
    }
}
