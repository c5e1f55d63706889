package org.alignspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.alignspark.Main;
import org.alignspark.testing.TestSpark;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eval-policy's implicit rewards and ref-logprobs' ranked lists with {@code --scoring prefix-cache} (each prompt computed
 * once, its keys and values shared by chosen and rejected, or by the K responses) equal the batched path, every
 * continuation behind its own copy of the prompt, to 1e-5 per token (float32 sums of tens of tokens differ in their
 * last bits); on the committed golden GPT-2 and TRL pairs (standard, system turn, multi-turn, implicit prompt).
 */
class PrefixReuseJobsTest {
    private static final String DT = "2026-11-27";

    @TempDir
    Path tmp;

    @Test
    void evalPolicyImplicitRewardsAfterASharedPromptEqualTheBatchedPath() throws Exception {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        Path golden = golden();
        String model = golden.resolve("gpt2-byte").toString();
        assertEquals(0, Main.run("ingest", "--format", "trl", "--input", golden.resolve("pairs.jsonl").toString(),
                "--dataset", "reuse", "--dt", DT, "--test-fraction", "1", "--warehouse", warehouse));
        assertEquals(0, Main.run("ref-logprobs", "--pairs", "reuse", "--dt", DT, "--reference-model", model,
                "--output", "reuse_ref", "--warehouse", warehouse));
        Map<String, Row> tokens = spark.table("reuse_ref").select("pair_id", "chosen_tokens", "rejected_tokens").collectAsList()
                .stream().collect(Collectors.toMap(r -> r.getString(0), r -> r));
        Map<String, double[]> byScoring = new java.util.HashMap<>();
        for (String scoring : List.of("batched", "prefix-cache")) {
            String table = "reuse_eval_" + scoring.replace('-', '_');
            assertEquals(0, Main.run("eval-policy", "--pairs", "reuse_ref", "--dt", DT, "--policy", model, "--output", table,
                    "--warehouse", warehouse, "--batch-size", "3", "--scoring", scoring));
            for (Row r : spark.table(table).collectAsList()) {
                byScoring.put(scoring + " " + r.getString(0), new double[] {r.getDouble(1), r.getDouble(2)});
            }
        }
        long pairs = spark.table("reuse_ref").where("split = 'test'").count();
        assertEquals(2 * pairs, byScoring.size());
        byScoring.forEach((key, batched) -> {
            if (key.startsWith("batched ")) {
                String id = key.substring("batched ".length());
                double[] cached = byScoring.get("prefix-cache " + id);
                int chosenTokens = tokens.get(id).getInt(1);
                int rejectedTokens = tokens.get(id).getInt(2);
                assertEquals(batched[0] / chosenTokens, cached[0] / chosenTokens, 1e-5, "chosen " + id);
                assertEquals(batched[1] / rejectedTokens, cached[1] / rejectedTokens, 1e-5, "rejected " + id);
            }
        });
    }

    @Test
    void refLogprobsOfRankedListsAfterASharedPromptEqualTheBatchedPath() throws Exception {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        String model = golden().resolve("gpt2-byte").toString();
        StringBuilder jsonl = new StringBuilder();
        String[] prompts = {"Rate the weather.", "Name a fruit, and say why you like it.", "Hi."};
        for (int i = 0; i < prompts.length; i++) {
            jsonl.append(String.format("{\"prompt\": \"%s\", \"responses\": [{\"text\": \"Sunny %d.\", \"score\": 2}, "
                    + "{\"text\": \"A pear: it is sweet and it keeps.\", \"score\": 1}, {\"text\": \"No.\", \"score\": 0}]}%n", prompts[i], i));
        }
        Path input = tmp.resolve("lists.jsonl");
        Files.writeString(input, jsonl);
        assertEquals(0, Main.run("ingest", "--format", "candidates", "--input", input.toString(), "--dataset", "reuse_lists",
                "--dt", DT, "--warehouse", warehouse));
        Map<String, Map<String, List<Double>>> byScoring = new java.util.HashMap<>();
        Map<String, List<Integer>> tokens = new java.util.HashMap<>();
        for (String scoring : List.of("batched", "prefix-cache")) {
            String table = "reuse_lists_ref_" + scoring.replace('-', '_');
            assertEquals(0, Main.run("ref-logprobs", "--input", "reuse_lists", "--dt", DT, "--reference-model", model,
                    "--output", table, "--warehouse", warehouse, "--batch-size", "2", "--scoring", scoring));
            byScoring.put(scoring, spark.table(table).select("list_id", "ref_logps").collectAsList().stream()
                    .collect(Collectors.toMap(r -> r.getString(0), r -> r.<Double>getList(1))));
            for (Row r : spark.table(table).select("list_id", "response_tokens").collectAsList()) {
                assertEquals(tokens.computeIfAbsent(r.getString(0), id -> r.getList(1)), r.getList(1), "token counts of " + r.getString(0));
            }
        }
        assertEquals(prompts.length, byScoring.get("batched").size());
        byScoring.get("batched").forEach((id, batched) -> {
            List<Double> cached = byScoring.get("prefix-cache").get(id);
            assertEquals(3, batched.size());
            for (int k = 0; k < batched.size(); k++) {
                int n = tokens.get(id).get(k);
                assertEquals(batched.get(k) / n, cached.get(k) / n, 1e-5, id + " response " + k);
            }
        });
    }

    private Path golden() throws URISyntaxException {
        return Path.of(getClass().getResource("/golden-jobs").toURI());
    }
}
