package org.alignspark.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.alignspark.executor.ExecutorModels;
import org.alignspark.Main;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.executor.ModelRows;
import org.alignspark.testing.TestSpark;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainSftJobTest {
    private static final String DT = "2026-11-27";

    @TempDir
    Path tmp;

    @Test
    void modelTrainedFromScratchPrefersTheChosenCompletions() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        Path input = tmp.resolve("pairs.jsonl");
        StringBuilder jsonl = new StringBuilder();
        String[] answers = {"cat", "dog", "owl", "fox"};
        for (int i = 0; i < 160; i++) {
            String animal = answers[i % 4];
            jsonl.append(String.format("{\"prompt\": \"Name an animal, %d.\", \"chosen\": \"A %s.\", \"rejected\": \"%s?\"}%n",
                    i, animal, animal.toUpperCase()));
        }
        Files.writeString(input, jsonl);
        assertEquals(0, Main.run("ingest", "--format", "trl", "--input", input.toString(), "--dataset", "animals", "--dt", DT,
                "--test-fraction", "0.2", "--warehouse", warehouse));
        Path output = tmp.resolve("sft-run");

        assertEquals(0, Main.run("train-sft", "--data", "animals", "--dt", DT, "--from-scratch", "gpt2", "--d-model", "32",
                "--layers", "2", "--heads", "4", "--max-positions", "128", "--output", output.toString(),
                "--warehouse", warehouse, "--workers", "2", "--batch-size-per-worker", "8", "--averaging-frequency", "2",
                "--epochs", "3", "--learning-rate", "3e-3", "--lr-schedule", "cosine", "--checkpoint-every", "0"));

        Path last = lastCheckpoint(output);
        CausalLM model = HfCheckpoint.load(last.toString());
        ChatEncoder encoder = ExecutorModels.encoder(last.toString());
        List<Row> held = spark.sql("SELECT prompt, chosen, rejected FROM animals WHERE split = 'test'").collectAsList();
        long preferred = held.stream().filter(r -> {
            List<Message> prompt = ModelRows.messages(r, "prompt");
            int[] p = encoder.prompt(prompt);
            return CompletionLogProbs.forward(model, List.of(p), List.of(encoder.completion(prompt, r.getString(1))), 0).sums()[0]
                    > CompletionLogProbs.forward(model, List.of(p), List.of(encoder.completion(prompt, r.getString(2))), 0).sums()[0];
        }).count();
        assertTrue(held.size() >= 20, "held-out prompts: " + held.size());
        assertTrue(preferred >= 0.9 * held.size(), "chosen more likely than rejected on " + preferred + "/" + held.size());
        Row losses = spark.sql("SELECT first(loss), last(loss) FROM (SELECT loss FROM training_metrics WHERE objective = 'sft' ORDER BY round)").first();
        assertTrue(losses.getDouble(1) < 0.75 * losses.getDouble(0), "loss " + losses);
    }

    @Test
    void trainsOnTheLastAssistantTurnOfDialogues() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = ingestDialogues();
        Path output = tmp.resolve("dialogue-sft");
        assertEquals(0, Main.run("train-sft", "--data", "chats", "--dt", DT, "--from-scratch", "llama", "--d-model", "16",
                "--layers", "1", "--heads", "2", "--max-positions", "256", "--output", output.toString(), "--run-id", "chats-sft",
                "--warehouse", warehouse, "--workers", "2", "--batch-size-per-worker", "2", "--averaging-frequency", "1"));
        try (var folders = Files.list(output)) {
            assertTrue(folders.anyMatch(p -> p.getFileName().toString().startsWith("checkpoint-")
                    && Files.exists(p.resolve("config.json")) && Files.exists(p.resolve("tokenizer.json"))));
        }
        Row examples = spark.sql("SELECT sum(examples) FROM training_metrics WHERE run_id = 'chats-sft'").first();
        assertEquals(3L, examples.getLong(0));
    }

    @Test
    void gradientCheckpointingTrainsTheSameModelWithLessActivationMemory() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = ingestDialogues();
        for (String run : List.of("kept", "recomputed")) {
            List<String> args = new java.util.ArrayList<>(List.of("train-sft", "--data", "chats", "--dt", DT, "--from-scratch",
                    "llama", "--d-model", "16", "--layers", "4", "--heads", "2", "--max-positions", "256",
                    "--output", tmp.resolve(run).toString(), "--run-id", run, "--warehouse", warehouse, "--workers", "2",
                    "--batch-size-per-worker", "1", "--averaging-frequency", "1", "--checkpoint-every", "0"));
            if (run.equals("recomputed")) {
                args.add("--gradient-checkpointing");
            }
            assertEquals(0, Main.run(args.toArray(String[]::new)));
        }
        List<Row> rounds = spark.sql("SELECT k.round, k.loss, r.loss, k.metrics['" + LanguageModel.ACTIVATION_BYTES
                + "'], r.metrics['" + LanguageModel.ACTIVATION_BYTES + "'] FROM training_metrics k JOIN training_metrics r "
                + "ON k.round = r.round WHERE k.run_id = 'kept' AND r.run_id = 'recomputed' ORDER BY k.round").collectAsList();
        assertTrue(!rounds.isEmpty(), "rounds of both runs");
        for (Row round : rounds) {
            assertEquals(round.getDouble(1), round.getDouble(2), 1e-6, "loss of round " + round.get(0));
            // one block's buffers and 4 block inputs instead of 4 blocks' buffers
            assertTrue(round.getDouble(4) < 0.6 * round.getDouble(3), "activation bytes per token and layer " + round);
        }
        CausalLM kept = HfCheckpoint.load(lastCheckpoint(tmp.resolve("kept")).toString());
        CausalLM recomputed = HfCheckpoint.load(lastCheckpoint(tmp.resolve("recomputed")).toString());
        for (var e : kept.parameters().values().entrySet()) {
            assertEquals(0.0, e.getValue().sub(recomputed.parameters().values().get(e.getKey())).amaxNumber().doubleValue(),
                    1e-6, e.getKey());
        }
    }

    /** The committed three-dialogue sample ingested as table chats; returns the warehouse. */
    private String ingestDialogues() {
        String warehouse = tmp.resolve("warehouse").toString();
        assertEquals(0, Main.run("ingest", "--format", "dialogues", "--input", TestSpark.samples("dialogues.jsonl").toString(),
                "--dataset", "chats", "--dt", DT, "--test-fraction", "0", "--warehouse", warehouse));
        return warehouse;
    }

    private static Path lastCheckpoint(Path output) throws IOException {
        try (var folders = Files.list(output)) {
            return folders.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).max(Path::compareTo).orElseThrow();
        }
    }
}
