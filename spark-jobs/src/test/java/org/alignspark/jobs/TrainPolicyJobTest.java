package org.alignspark.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.alignspark.executor.ExecutorModels;
import org.alignspark.Main;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.evaluation.PolicyComparison;
import org.alignspark.executor.ModelRows;
import org.alignspark.testing.TestSpark;
import org.alignspark.testing.TinyModels;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainPolicyJobTest {
    private static final String DT = "2026-11-27";
    private static final String[] WORDS = {"apple", "river", "stone", "cloud", "maple", "tiger", "lemon", "piano"};

    @TempDir
    Path tmp;

    @Test
    void dpoRaisesHeldOutImplicitRewardAccuracy() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        Random random = new Random(11);
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 160; i++) {
            String w = WORDS[random.nextInt(WORDS.length)];
            jsonl.append(String.format("{\"prompt\": \"Rate %d.\", \"chosen\": \"%s :)\", \"rejected\": \"%s :(\"}%n", i, w, w));
        }
        Path input = tmp.resolve("pairs.jsonl");
        Files.writeString(input, jsonl);
        assertEquals(0, Main.run("ingest", "--format", "trl", "--input", input.toString(), "--dataset", "prefs", "--dt", DT,
                "--test-fraction", "0.2", "--warehouse", warehouse));
        Path reference = TinyModels.gpt2(tmp.resolve("reference"), 5);
        assertEquals(0, Main.run("ref-logprobs", "--pairs", "prefs", "--dt", DT, "--reference-model", reference.toString(),
                "--output", "prefs_ref", "--warehouse", warehouse));
        assertEquals(spark.sql("SELECT * FROM prefs").count(), spark.sql("SELECT * FROM prefs_ref").count());

        Path output = tmp.resolve("dpo");
        assertEquals(0, Main.run("train-policy", "--pairs", "prefs_ref", "--dt", DT, "--base-model", reference.toString(),
                "--beta", "0.5", "--output", output.toString(), "--run-id", "dpo-test", "--warehouse", warehouse,
                "--workers", "2", "--batch-size-per-worker", "8", "--averaging-frequency", "2", "--epochs", "3",
                "--learning-rate", "3e-3", "--checkpoint-every", "0"));

        Path last;
        try (var folders = Files.list(output)) {
            last = folders.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).max(Path::compareTo).orElseThrow();
        }
        CausalLM policy = HfCheckpoint.load(last.toString());
        ChatEncoder encoder = ExecutorModels.encoder(last.toString());
        List<Row> held = spark.sql("SELECT prompt, chosen, rejected, ref_logp_chosen, ref_logp_rejected FROM prefs_ref "
                + "WHERE split = 'test'").collectAsList();
        long correct = held.stream().filter(r -> {
            List<Message> prompt = ModelRows.messages(r, "prompt");
            int[] p = encoder.prompt(prompt);
            double[] logps = CompletionLogProbs.forward(policy, List.of(p, p),
                    List.of(encoder.completion(prompt, r.getString(1)), encoder.completion(prompt, r.getString(2))), 0).sums();
            return logps[0] - r.getDouble(3) > logps[1] - r.getDouble(4);
        }).count();
        assertTrue(held.size() >= 20, "held-out pairs " + held.size());
        assertTrue(correct > 0.8 * held.size(), "held-out implicit-reward accuracy " + correct + "/" + held.size());
        Row metrics = spark.sql("SELECT metrics['rewards/accuracies'], metrics['logps/chosen_below_ref'] FROM training_metrics "
                + "WHERE run_id = 'dpo-test' ORDER BY round DESC LIMIT 1").first();
        assertTrue(metrics.getDouble(0) > 0.8, metrics.toString());
        assertTrue(metrics.getDouble(1) >= 0 && metrics.getDouble(1) <= 1, metrics.toString());

        // eval-policy reports the same held-out accuracy, and a reward-model duel against the reference.
        Path rm = tmp.resolve("rm");
        assertEquals(0, Main.run("train-rm", "--pairs", "prefs", "--dt", DT, "--base-model", reference.toString(),
                "--output", rm.toString(), "--warehouse", warehouse, "--epochs", "1", "--learning-rate", "3e-3",
                "--checkpoint-every", "0"));
        Path rmCheckpoint;
        try (var folders = Files.list(rm)) {
            rmCheckpoint = folders.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).max(Path::compareTo).orElseThrow();
        }
        assertEquals(0, Main.run("eval-policy", "--pairs", "prefs_ref", "--dt", DT, "--policy", last.toString(),
                "--reference", reference.toString(), "--reward-model", rmCheckpoint.toString(), "--max-new-tokens", "8",
                "--output", "dpo_eval", "--warehouse", warehouse));
        java.util.Map<String, Double> evaluation = spark.sql("SELECT metric, value FROM policy_eval").collectAsList().stream()
                .collect(java.util.stream.Collectors.toMap(r -> r.getString(0), r -> r.getDouble(1)));
        assertEquals((double) correct / held.size(), evaluation.get("implicit_reward_accuracy"), 1e-9);
        double winRate = evaluation.get("win_rate_vs_reference");
        assertTrue(winRate >= 0 && winRate <= 1, "win rate " + winRate);
        List<Row> duels = spark.sql("SELECT policy_response, reference_response, policy_reward, reference_reward FROM dpo_eval_duels")
                .collectAsList();
        assertEquals(spark.sql("SELECT DISTINCT prompt_id FROM prefs_ref WHERE split = 'test'").count(), duels.size());
        double expected = duels.stream().mapToDouble(d -> d.getString(0).equals(d.getString(1)) ? 0.5
                : Double.compare(d.getDouble(2), d.getDouble(3)) > 0 ? 1 : d.getDouble(2) == d.getDouble(3) ? 0.5 : 0).average().orElseThrow();
        assertEquals(expected, winRate, 1e-12);
    }

    @Test
    void aDuelBetweenTheSameTextIsATieWhateverTheRewardsLastBits() {
        assertEquals(0.5, PolicyComparison.duelScore("It is Rome.", "It is Rome.", -1.3368760, -1.3368752));
        assertEquals(1, PolicyComparison.duelScore("It is Rome.", "It is blue.", -1.3, -2.8));
        assertEquals(0, PolicyComparison.duelScore("It is blue.", "It is Rome.", -2.8, -1.3));
        assertEquals(0.5, PolicyComparison.duelScore("It is Rome.", "Rome.", 0.25, 0.25));
    }
}
