package org.alignspark.jobs;

import java.nio.file.Path;
import java.util.List;

import org.alignspark.Main;
import org.alignspark.data.demo.DemoWorld;
import org.alignspark.testing.TestSpark;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DiversityJobTest {
    private static final String DT = "2026-11-27";

    @TempDir
    Path tmp;

    @Test
    void measuresEachPromptsSamplesAndTheWholeSet() {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        assertEquals(0, Main.run("demo-data", "--dt", DT, "--prefix", "div", "--dialogues", "0", "--pairs", "0",
                "--k", "4", "--warehouse", warehouse));
        assertEquals(0, Main.run("diversity", "--input", "div_candidates", "--dt", DT, "--warehouse", warehouse));

        List<Row> prompts = spark.sql("SELECT * FROM div_candidates_diversity WHERE scope = 'prompt'").collectAsList();
        assertEquals(DemoWorld.FACTS.size(), prompts.size());
        for (Row r : prompts) {
            assertEquals(4L, r.<Long>getAs("samples"));
            // the demo world answers samples 0 and 2 correctly, 1 and 3 with another fact's answer
            assertEquals(0.5, r.<Double>getAs("reference_accuracy"), 1e-12);
            assertEquals(0.0, r.<Double>getAs("answer_collapse"), 0.0);
            assertTrue(r.<Double>getAs("distinct_answers") >= 2);
            assertTrue(r.<Double>getAs("distinct_1") > 0 && r.<Double>getAs("distinct_1") <= 1);
        }
        Row overall = spark.sql("SELECT * FROM div_candidates_diversity WHERE scope = 'overall'").first();
        assertNull(overall.getAs("prompt_id"));
        assertEquals(4L * DemoWorld.FACTS.size(), overall.<Long>getAs("samples"));
        assertEquals(0.5, overall.<Double>getAs("reference_accuracy"), 1e-12);
        assertEquals(0.0, overall.<Double>getAs("answer_collapse"), 0.0);
        double meanSelfBleu = prompts.stream().mapToDouble(r -> r.<Double>getAs("self_bleu")).average().orElseThrow();
        assertEquals(meanSelfBleu, overall.<Double>getAs("self_bleu"), 1e-12);
    }
}
