package org.alignspark.jobs;

import java.nio.file.Path;
import java.util.List;

import org.alignspark.Main;
import org.alignspark.testing.TestSpark;
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

    private List<Row> generate(String warehouse, Path policy, String output, long seed, String... transforms) {
        List<String> args = new java.util.ArrayList<>(List.of("generate", "--prompts", "trl_pairs", "--dt", DT,
                "--policy", policy.toString(), "--output", output, "--k", "3", "--max-new-tokens", "12",
                "--seed", Long.toString(seed), "--batch-size", "4", "--warehouse", warehouse));
        args.addAll(List.of(transforms));
        assertEquals(0, Main.run(args.toArray(String[]::new)));
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

    @Test
    void logitTransformsAreRecordedReproducibleAndInertAtWeightZero() throws java.io.IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        assertEquals(0, Main.run("ingest", "--format", "trl", "--input", TestSpark.samples("trl-pairs.jsonl").toString(),
                "--dataset", "trl_pairs", "--dt", DT, "--warehouse", warehouse));
        Path policy = TinyModels.gpt2(tmp.resolve("policy"), 3);
        Path base = TinyModels.gpt2(tmp.resolve("base"), 4);
        Path expert = TinyModels.gpt2(tmp.resolve("expert"), 5);
        Path negatives = java.nio.file.Files.writeString(tmp.resolve("negatives.txt"), "The sky is green.\n\nSure, here it is.\n");
        String[] steer = {"--guidance-base", base.toString(), "--guidance-weight", "8", "--negative-examples",
                negatives.toString(), "--negative-weight", "4"};
        String[] fusion = {"--fusion-base", base.toString(), "--fusion-experts", expert + "," + policy,
                "--fusion-mode", "dynamic", "--fusion-alpha", "20", "--fusion-kl-scale", "5"};

        List<Row> plain = generate(warehouse, policy, "plain", 7);
        List<Row> steered = generate(warehouse, policy, "steered", 7, steer);
        assertEquals(steered, generate(warehouse, policy, "steered_again", 7, steer));
        assertNotEquals(plain, steered);
        assertEquals("generate:" + policy + " steer[cfg-reading](gamma=8.0,delta=4.0,negatives=1) negative_examples=2 base=" + base,
                spark.sql("SELECT source FROM steered LIMIT 1").first().getString(0));

        List<Row> fused = generate(warehouse, policy, "fused", 7, fusion);
        assertEquals(fused, generate(warehouse, policy, "fused_again", 7, fusion));
        assertNotEquals(plain, fused);
        assertEquals("generate:" + policy + " fusion[dynamic:kl-matched](alpha_max=20.0,kl_scale=5.0,experts=2) small_base="
                + base + " experts=" + expert + "," + policy, spark.sql("SELECT source FROM fused LIMIT 1").first().getString(0));

        assertEquals(plain, generate(warehouse, policy, "inert", 7, "--guidance-base", base.toString(),
                "--negative-examples", negatives.toString(), "--fusion-base", base.toString(), "--fusion-experts",
                expert.toString(), "--fusion-alpha", "0"));
        assertEquals(1, Main.run("generate", "--prompts", "trl_pairs", "--dt", DT, "--policy", policy.toString(),
                "--output", "bad", "--guidance-weight", "1", "--warehouse", warehouse));
    }
}
