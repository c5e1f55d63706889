package org.alignspark.jobs;

import java.nio.file.Path;
import java.util.List;

import org.alignspark.Main;
import org.alignspark.spark.TestSpark;
import org.alignspark.testing.TinyModels;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class GenerateJobTest {
    private static final String DT = "2026-11-27";

    @TempDir
    Path tmp;

    private List<Row> generate(String warehouse, Path policy, String output, long seed) {
        assertEquals(0, Main.run("generate", "--prompts", "trl_pairs", "--dt", DT, "--policy", policy.toString(),
                "--output", output, "--k", "3", "--max-new-tokens", "12", "--seed", Long.toString(seed),
                "--batch-size", "4", "--warehouse", warehouse));
        return TestSpark.session().sql("SELECT prompt_id, r.sample_index, r.text FROM " + output
                + " LATERAL VIEW explode(responses) AS r ORDER BY prompt_id, r.sample_index").collectAsList();
    }

    @Test
    void samplesKResponsesPerPromptReproducibly() {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        assertEquals(0, Main.run("ingest", "--format", "trl", "--input", TestSpark.samples("trl-pairs.jsonl").toString(),
                "--dataset", "trl_pairs", "--dt", DT, "--warehouse", warehouse));
        Path policy = TinyModels.gpt2(tmp.resolve("policy"), 3);

        List<Row> first = generate(warehouse, policy, "samples_a", 7);
        long prompts = spark.sql("SELECT DISTINCT prompt_id FROM trl_pairs").count();
        assertEquals(prompts, spark.sql("SELECT * FROM samples_a").count());
        assertEquals(3 * prompts, first.size());
        assertEquals(List.of(0, 1, 2), first.subList(0, 3).stream().map(r -> r.getInt(1)).toList());
        assertEquals(first, generate(warehouse, policy, "samples_b", 7));
        assertNotEquals(first, generate(warehouse, policy, "samples_c", 8));
        Row source = spark.sql("SELECT source, size(prompt) FROM samples_a LIMIT 1").first();
        assertEquals("generate:" + policy, source.getString(0));
    }
}
