package org.alignspark.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.alignspark.Main;
import org.alignspark.testing.TestSpark;
import org.alignspark.testing.TinyModels;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChesJobTest {
    private static final String DT = "2026-11-27";

    @TempDir
    Path tmp;

    @Test
    void nearDuplicatePairsScoreAboveDifferentPairsAndAreFilteredFirst() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        StringBuilder jsonl = new StringBuilder();
        String[] answers = {"The answer is forty two.", "It is seven.", "Paris is the capital.", "Water boils at 100 C."};
        for (int i = 0; i < 20; i++) {
            String answer = answers[i % answers.length];
            String rejected = i % 2 == 0
                    ? answer.replace(".", "!")                                     // near duplicate: one character
                    : "zq xv " + (char) ('a' + i) + "kj wpl mmr yy?";              // clearly different
            jsonl.append(String.format("{\"prompt\": \"Question %d\", \"chosen\": \"%s\", \"rejected\": \"%s\"}%n", i, answer, rejected));
        }
        Path input = tmp.resolve("pairs.jsonl");
        Files.writeString(input, jsonl);
        assertEquals(0, Main.run("ingest", "--format", "trl", "--input", input.toString(), "--dataset", "qa", "--dt", DT,
                "--warehouse", warehouse));
        Path model = TinyModels.gpt2(tmp.resolve("model"), 4);

        assertEquals(0, Main.run("ches", "--pairs", "qa", "--dt", DT, "--model", model.toString(), "--output", "qa_ches",
                "--keep", "lowest-fraction=0.5", "--warehouse", warehouse));

        assertEquals(10, spark.sql("SELECT * FROM qa_ches").count());
        assertEquals(10, spark.sql("SELECT * FROM qa_ches_ches_removed").count());
        Row means = spark.sql("SELECT avg(CASE WHEN rejected LIKE 'zq%' THEN ln_ches END), avg(CASE WHEN rejected NOT LIKE 'zq%' THEN ln_ches END) "
                + "FROM (SELECT * FROM qa_ches UNION ALL SELECT * FROM qa_ches_ches_removed)").first();
        assertTrue(means.getDouble(1) > means.getDouble(0), "near duplicates " + means.getDouble(1) + " vs different " + means.getDouble(0));
        double keptMax = spark.sql("SELECT max(ln_ches) FROM qa_ches").first().getDouble(0);
        double removedMin = spark.sql("SELECT min(ln_ches) FROM qa_ches_ches_removed").first().getDouble(0);
        assertTrue(keptMax <= removedMin, "kept " + keptMax + " vs removed " + removedMin);
        long nearDuplicatesRemoved = spark.sql("SELECT count(*) FROM qa_ches_ches_removed WHERE rejected NOT LIKE 'zq%'").first().getLong(0);
        assertTrue(nearDuplicatesRemoved >= 8, "near duplicates removed: " + nearDuplicatesRemoved + " of 10");
    }
}
