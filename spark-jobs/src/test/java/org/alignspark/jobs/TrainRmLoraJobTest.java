package org.alignspark.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.alignspark.Main;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.lm.checkpoint.SafeTensors;
import org.alignspark.common.rm.RewardModel;
import org.alignspark.common.rm.RewardModelFolder;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.testing.TestSpark;
import org.alignspark.testing.TinyModels;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * train-rm with LoRA adapters on a frozen base and the whole head (PEFT's SEQ_CLS modules_to_save), through Main.run:
 * it learns a toy preference task, the checkpoint is a PEFT adapter folder with PEFT's names, the base is untouched, a
 * round moves the adapters and the head only, and eval-rm scores the adapter folder as it scores the merged model.
 */
class TrainRmLoraJobTest {
    private static final String DT = "2026-11-27";
    private static final String[] WORDS = {"apple", "river", "stone", "cloud", "maple", "tiger", "lemon", "piano", "ocean", "comet"};
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void adaptersAndHeadLearnOnAFrozenBaseAndTheAdapterFolderScoresAsItsMergedModel() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        Random random = new Random(3);
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            String words = WORDS[random.nextInt(WORDS.length)] + " " + WORDS[random.nextInt(WORDS.length)];
            jsonl.append(String.format("{\"prompt\": \"Question %d: how was it?\", \"chosen\": \"%s :)\", \"rejected\": \"%s :(\"}%n",
                    i, words, words));
        }
        Path input = tmp.resolve("pairs.jsonl");
        Files.writeString(input, jsonl);
        assertEquals(0, Main.run("ingest", "--format", "trl", "--input", input.toString(), "--dataset", "lora_smiles", "--dt", DT,
                "--test-fraction", "0.2", "--warehouse", warehouse));
        Path base = TinyModels.gpt2(tmp.resolve("base"), 1);
        byte[] baseWeights = Files.readAllBytes(base.resolve("model.safetensors"));
        Path output = tmp.resolve("rm-lora");
        assertEquals(0, Main.run("train-rm", "--pairs", "lora_smiles", "--dt", DT, "--base-model", base.toString(),
                "--output", output.toString(), "--run-id", "rm-lora", "--warehouse", warehouse, "--workers", "2",
                "--batch-size-per-worker", "8", "--averaging-frequency", "2", "--epochs", "4", "--learning-rate", "1e-2",
                "--warmup-steps", "2", "--checkpoint-every", "0", "--max-length", "96",
                "--lora-r", "4", "--lora-alpha", "16", "--averaging", "dl4j"));

        Path last;
        try (var folders = Files.list(output)) {
            last = folders.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).max(Path::compareTo).orElseThrow();
        }
        // a PEFT SEQ_CLS adapter folder: the adapters and the head under PEFT's names, no copy of the base
        JsonNode config = JSON.readTree(last.resolve("adapter_config.json").toFile());
        assertEquals("SEQ_CLS", config.get("task_type").asText());
        assertEquals("[\"score\"]", config.get("modules_to_save").toString());
        assertEquals(4, config.get("r").asInt());
        assertEquals(base.toString(), config.get("base_model_name_or_path").asText());
        assertTrue(Files.notExists(last.resolve("model.safetensors")) && Files.notExists(last.resolve(RewardModelFolder.HEAD_FILE)));
        assertTrue(Files.exists(last.resolve(RewardModelFolder.LAYOUT_FILE)) && Files.exists(last.resolve("tokenizer.json")));
        Map<String, INDArray> saved;
        try (InputStream in = Files.newInputStream(last.resolve("adapter_model.safetensors"))) {
            saved = SafeTensors.read(in, "adapter", DataType.FLOAT);
        }
        TreeSet<String> expected = new TreeSet<>(List.of("base_model.model.score.weight"));
        for (int l = 0; l < 2; l++) {
            for (String m : List.of("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj")) {
                expected.add("base_model.model.transformer.h." + l + "." + m + ".lora_A.weight");
                expected.add("base_model.model.transformer.h." + l + "." + m + ".lora_B.weight");
            }
        }
        assertEquals(expected, new TreeSet<>(saved.keySet()));
        saved.forEach((name, value) -> {
            if (name.endsWith("lora_B.weight")) {
                assertTrue(value.norm2Number().doubleValue() > 1e-3, name + " trained away from zero");
            }
        });

        // the base is untouched: on disk, and in the executors' shared copy
        assertTrue(java.util.Arrays.equals(baseWeights, Files.readAllBytes(base.resolve("model.safetensors"))));
        CausalLM fromDisk = HfCheckpoint.load(ModelFolder.of(base.toString()), DataType.FLOAT);
        try (var hold = ExecutorModels.hold(base.toString())) {
            fromDisk.parameters().values().forEach((name, w) ->
                    assertEquals(w, hold.value().baseParameters().values().get(name), name + " of the shared base"));
        }

        // eval-rm on the adapter folder: the toy task is learned
        assertEquals(0, Main.run("eval-rm", "--pairs", "lora_smiles", "--dt", DT, "--reward-model", last.toString(),
                "--output", "lora_rewards", "--warehouse", warehouse));
        Row accuracy = spark.sql("SELECT avg(CAST(correct AS DOUBLE)), count(*) FROM lora_rewards").first();
        assertTrue(accuracy.getLong(1) >= 20, "held-out pairs: " + accuracy.getLong(1));
        assertTrue(accuracy.getDouble(0) > 0.8, "held-out pairwise accuracy " + accuracy.getDouble(0));

        // a round moves the adapters and the head only: under --averaging dl4j the parameters and Adam's two moments, to
        // and from each of the 2 workers, 12 × their float32 bytes
        RewardModel trained = RewardModelFolder.load(last.toString(), DataType.FLOAT);
        long trainedBytes = 4 * (trained.lm().parameters().count() + trained.head().length());
        assertEquals(4 * saved.values().stream().mapToLong(INDArray::length).sum(), trainedBytes);
        long fullBytes = 4 * (fromDisk.parameters().count() + trained.head().length());
        double moved = spark.sql("SELECT max(metrics['averaging/bytes_moved']) FROM training_metrics WHERE run_id = 'rm-lora'")
                .first().getDouble(0);
        assertEquals(12.0 * trainedBytes, moved, "bytes moved per round");
        assertTrue(trainedBytes < fullBytes / 4, "adapters and head " + trainedBytes + " of a model of " + fullBytes + " bytes");

        // merge-adapter writes a reward model folder; eval-rm scores it as it scored the adapter folder
        Path merged = tmp.resolve("merged-rm");
        assertEquals(0, Main.run("merge-adapter", "--adapter", last.toString(), "--output", merged.toString()));
        assertTrue(Files.exists(merged.resolve("model.safetensors")) && Files.exists(merged.resolve(RewardModelFolder.HEAD_FILE)));
        assertEquals(RewardModelFolder.layout(last.toString()), RewardModelFolder.layout(merged.toString()));
        assertEquals(0, Main.run("eval-rm", "--pairs", "lora_smiles", "--dt", DT, "--reward-model", merged.toString(),
                "--output", "merged_rewards", "--warehouse", warehouse));
        Row diff = spark.sql("SELECT max(abs(a.reward_chosen - b.reward_chosen)), max(abs(a.reward_rejected - b.reward_rejected)), "
                + "count(*) FROM lora_rewards a JOIN merged_rewards b USING (pair_id)").first();
        assertEquals(accuracy.getLong(1), diff.getLong(2));
        assertTrue(diff.getDouble(0) <= 1e-4 && diff.getDouble(1) <= 1e-4, "adapter vs merged rewards (float32) " + diff);
        // and the adapters matter: the trained head on the bare base scores otherwise
        org.alignspark.common.lm.Batch batch = org.alignspark.common.lm.Batch.of(new int[] {72, 101, 108, 108, 111, 32, 58, 41});
        double withAdapters = trained.rewards(batch)[0];
        double bare = new RewardModel(trained.lm().withoutAdapters(), trained.head()).rewards(batch)[0];
        assertTrue(Math.abs(withAdapters - bare) > 1e-3, "with adapters " + withAdapters + ", on the bare base " + bare);
    }

    @Test
    void aCrashedLoraRunResumesFromItsAdapterCheckpoint() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            jsonl.append(String.format("{\"prompt\": \"Question %d?\", \"chosen\": \"%s :)\", \"rejected\": \"%s :(\"}%n",
                    i, WORDS[i % WORDS.length], WORDS[i % WORDS.length]));
        }
        Path input = tmp.resolve("resume.jsonl");
        Files.writeString(input, jsonl);
        assertEquals(0, Main.run("ingest", "--format", "trl", "--input", input.toString(), "--dataset", "lora_resume", "--dt", DT,
                "--test-fraction", "0", "--warehouse", warehouse));
        Path base = TinyModels.llama(tmp.resolve("base"), 2);
        Path output = tmp.resolve("rm-lora-crashing");
        String[] args = {"train-rm", "--pairs", "lora_resume", "--dt", DT, "--base-model", base.toString(), "--output",
                output.toString(), "--run-id", "rm-lora-crashing", "--warehouse", warehouse, "--workers", "2",
                "--batch-size-per-worker", "2", "--averaging-frequency", "1", "--checkpoint-every", "2", "--max-length", "96",
                "--lora-r", "2", "--lora-target-modules", "q_proj,v_proj"};
        String[] crashing = java.util.Arrays.copyOf(args, args.length + 2);
        crashing[args.length] = "--fail-after-round";
        crashing[args.length + 1] = "3";
        assertEquals(1, Main.run(crashing));
        Path second = output.resolve("checkpoint-000002");
        RewardModel atTwo = RewardModelFolder.load(second.toString(), DataType.FLOAT);
        assertEquals(0, Main.run(args));

        // 16 pairs, 2 workers × 2 a round: 4 rounds, resumed from the adapter folder of round 2 (its tensors by PEFT's names)
        Path fourth = output.resolve("checkpoint-000004");
        assertTrue(Files.exists(fourth.resolve("adapter_config.json")));
        List<Row> rounds = spark.sql("SELECT round, count(*) FROM training_metrics WHERE run_id = 'rm-lora-crashing' "
                + "GROUP BY round ORDER BY round").collectAsList();
        assertEquals(List.of("[1,1]", "[2,1]", "[3,1]", "[4,1]"), rounds.stream().map(Row::toString).toList());
        RewardModel atFour = RewardModelFolder.load(fourth.toString(), DataType.FLOAT);
        assertEquals(List.copyOf(atTwo.parameters().keySet()), List.copyOf(atFour.parameters().keySet()));
        assertTrue(atFour.head().distance2(atTwo.head()) > 0, "the head trained on after the resume");
    }
}
