package org.alignspark.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.alignspark.Main;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.ModelRows;
import org.alignspark.testing.TestSpark;
import org.alignspark.testing.TinyModels;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DPO with LoRA adapters on a frozen base, through Main.run: the held-out implicit-reward accuracy of a toy preference
 * task passes 0.8, the checkpoint is a PEFT adapter folder, the base is untouched and a round moves the adapters only.
 */
class TrainLoraJobTest {
    private static final String DT = "2026-11-27";
    private static final String[] WORDS = {"apple", "river", "stone", "cloud", "maple", "tiger", "lemon", "piano"};

    @TempDir
    Path tmp;

    @Test
    void dpoWithAdaptersOnAFrozenBaseRaisesHeldOutImplicitRewardAccuracy() throws IOException {
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
        Path base = TinyModels.gpt2(tmp.resolve("base"), 5);
        byte[] baseWeights = Files.readAllBytes(base.resolve("model.safetensors"));
        assertEquals(0, Main.run("ref-logprobs", "--pairs", "prefs", "--dt", DT, "--reference-model", base.toString(),
                "--output", "prefs_ref", "--warehouse", warehouse));

        Path output = tmp.resolve("dpo-lora");
        assertEquals(0, Main.run("train-policy", "--pairs", "prefs_ref", "--dt", DT, "--base-model", base.toString(),
                "--beta", "0.5", "--output", output.toString(), "--run-id", "dpo-lora", "--warehouse", warehouse,
                "--workers", "2", "--batch-size-per-worker", "8", "--averaging-frequency", "2", "--epochs", "3",
                "--learning-rate", "1e-2", "--checkpoint-every", "0",
                "--lora-r", "8", "--lora-alpha", "16", "--lora-dropout", "0.0", "--averaging", "dl4j"));

        Path last;
        try (var folders = Files.list(output)) {
            last = folders.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).max(Path::compareTo).orElseThrow();
        }
        assertTrue(Files.exists(last.resolve("adapter_config.json")), "a PEFT adapter folder");
        assertTrue(Files.exists(last.resolve("adapter_model.safetensors")));
        assertFalse(Files.exists(last.resolve("model.safetensors")), "no copy of the base");
        assertTrue(java.util.Arrays.equals(baseWeights, Files.readAllBytes(base.resolve("model.safetensors"))));

        CausalLM policy = HfCheckpoint.load(last.toString());
        assertTrue(policy.hasAdapters());
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

        // a round moves the adapters only: under --averaging dl4j the parameters and Adam's two moments, to and from each
        // of the 2 workers, 12 × the adapters' float32 bytes (the whole model would move 12 × its own)
        long adapterBytes = 4 * policy.parameters().count();
        long modelBytes = 4 * HfCheckpoint.load(ModelFolder.of(base.toString()), DataType.FLOAT).parameters().count();
        double moved = spark.sql("SELECT max(metrics['averaging/bytes_moved']) FROM training_metrics WHERE run_id = 'dpo-lora'")
                .first().getDouble(0);
        assertEquals(12.0 * adapterBytes, moved, "bytes moved per round");
        assertTrue(adapterBytes < modelBytes / 4, "adapters " + adapterBytes + " of a model of " + modelBytes + " bytes");
    }
}
