package org.alignspark.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.alignspark.executor.ExecutorModels;
import org.alignspark.Main;
import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.rm.RewardLayout;
import org.alignspark.common.rm.RewardModel;
import org.alignspark.common.rm.RewardModelFolder;
import org.alignspark.executor.ModelRows;
import org.alignspark.testing.TestSpark;
import org.alignspark.testing.TinyModels;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainRmJobTest {
    private static final String DT = "2026-11-27";
    private static final String[] WORDS = {"apple", "river", "stone", "cloud", "maple", "tiger", "lemon", "piano", "ocean", "comet"};

    @TempDir
    Path tmp;

    /** Pairs whose chosen response ends in ":)" and rejected in ":(" after the same random words. */
    private static String pairs(int n, long seed) {
        Random random = new Random(seed);
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String words = WORDS[random.nextInt(WORDS.length)] + " " + WORDS[random.nextInt(WORDS.length)];
            jsonl.append(String.format("{\"prompt\": \"Question %d: how was it?\", \"chosen\": \"%s :)\", \"rejected\": \"%s :(\"}%n",
                    i, words, words));
        }
        return jsonl.toString();
    }

    /** Ingests {@link #pairs} as {@code dataset} with the given share of prompts in the test split. */
    private void ingestPairs(String warehouse, String dataset, int n, long seed, double testFraction) throws IOException {
        Path input = tmp.resolve(dataset + ".jsonl");
        Files.writeString(input, pairs(n, seed));
        assertEquals(0, Main.run("ingest", "--format", "trl", "--input", input.toString(), "--dataset", dataset, "--dt", DT,
                "--test-fraction", String.valueOf(testFraction), "--warehouse", warehouse));
    }

    @Test
    void trainedRewardModelRanksHeldOutPairs() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        ingestPairs(warehouse, "smiles", 200, 3, 0.2);
        Path base = TinyModels.gpt2(tmp.resolve("base"), 1);
        Path output = tmp.resolve("rm-run");

        List<String> args = new ArrayList<>(List.of("train-rm", "--pairs", "smiles", "--dt", DT, "--base-model", base.toString(),
                "--output", output.toString(), "--warehouse", warehouse, "--workers", "2", "--batch-size-per-worker", "8",
                "--averaging-frequency", "2", "--epochs", "4", "--learning-rate", "3e-3", "--warmup-steps", "2",
                "--lr-schedule", "cosine", "--checkpoint-every", "5", "--max-length", "96"));
        assertEquals(0, Main.run(args.toArray(String[]::new)));

        Path last;
        try (var folders = Files.list(output)) {
            last = folders.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).max(Path::compareTo).orElseThrow();
        }
        assertEquals(0, Main.run("eval-rm", "--pairs", "smiles", "--dt", DT, "--reward-model", last.toString(),
                "--output", "smiles_rewards", "--warehouse", warehouse));

        Row accuracy = spark.sql("SELECT avg(CAST(correct AS DOUBLE)), count(*) FROM smiles_rewards").first();
        assertTrue(accuracy.getLong(1) >= 20, "held-out pairs: " + accuracy.getLong(1));
        assertTrue(accuracy.getDouble(0) >= 0.9, "held-out pairwise accuracy " + accuracy.getDouble(0));
        assertEquals(2 * accuracy.getLong(1), spark.sql("SELECT * FROM smiles_rewards_responses").count());
        Row firstRound = spark.sql("SELECT loss, metrics['accuracy'] FROM training_metrics WHERE round = 1").first();
        Row lastRound = spark.sql("SELECT loss FROM training_metrics ORDER BY round DESC LIMIT 1").first();
        assertTrue(lastRound.getDouble(0) < firstRound.getDouble(0), "loss fell from " + firstRound + " to " + lastRound);
    }

    @Test
    void outerAveragingWithDilocoSettingsTrainsARewardModelKeepingAdamStateOnTheWorkers() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        ingestPairs(warehouse, "outer_smiles", 200, 3, 0.2);
        Path base = TinyModels.gpt2(tmp.resolve("base"), 1);
        Path output = tmp.resolve("rm-outer");
        assertEquals(0, Main.run("train-rm", "--pairs", "outer_smiles", "--dt", DT, "--base-model", base.toString(),
                "--output", output.toString(), "--warehouse", warehouse, "--workers", "2", "--batch-size-per-worker", "8",
                "--averaging-frequency", "2", "--epochs", "4", "--learning-rate", "3e-3", "--warmup-steps", "2",
                "--lr-schedule", "cosine", "--checkpoint-every", "5", "--max-length", "96",
                "--averaging", "outer", "--outer-lr", "0.7", "--outer-momentum", "0.9"));

        Path last = lastCheckpoint(output);
        assertTrue(Files.exists(last.resolve(org.alignspark.train.Checkpoints.OUTER_MOMENTUM_FILE)));
        assertTrue(Files.notExists(last.resolve(org.alignspark.train.Checkpoints.OPTIMIZER_FILE)), "no Adam state on the driver");
        assertTrue(Files.readString(last.resolve(org.alignspark.train.Checkpoints.STATE_FILE)).contains("\"averaging\" : \"outer\""));
        assertEquals(0, Main.run("eval-rm", "--pairs", "outer_smiles", "--dt", DT, "--reward-model", last.toString(),
                "--output", "outer_smiles_rewards", "--warehouse", warehouse));
        Row accuracy = spark.sql("SELECT avg(CAST(correct AS DOUBLE)), count(*) FROM outer_smiles_rewards").first();
        assertTrue(accuracy.getDouble(0) >= 0.9, "held-out pairwise accuracy " + accuracy.getDouble(0));

        List<Row> rounds = spark.sql("SELECT round, metrics['averaging/fresh_inner_states'], metrics['averaging/bytes_moved'] "
                + "FROM training_metrics WHERE run_id = 'rm-outer' ORDER BY round").collectAsList();
        assertTrue(rounds.size() >= 16 && rounds.size() % 4 == 0, "4 epochs of rounds: " + rounds.size());
        assertEquals(2.0, rounds.get(0).getDouble(1));
        rounds.subList(1, rounds.size()).forEach(r -> assertEquals(0.0, r.getDouble(1), r.toString()));
        double bytes = rounds.get(0).getDouble(2);
        assertTrue(bytes > 0 && bytes % 16 == 0, "2 workers x (out + back) x 4 bytes a parameter: " + bytes);
        rounds.forEach(r -> assertEquals(bytes, r.getDouble(2), r.toString()));
    }

    @Test
    void helpfulnessRegressionModelStartsABradleyTerryRun() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        Random random = new Random(9);
        StringBuilder ratings = new StringBuilder();
        for (int i = 0; i < 120; i++) {
            String words = WORDS[random.nextInt(WORDS.length)] + " " + WORDS[random.nextInt(WORDS.length)];
            boolean good = i % 2 == 0;
            ratings.append(String.format("{\"prompt\": \"Question %d: how was it?\", \"response\": \"%s %s\", \"helpfulness\": %d}%n",
                    i / 2, words, good ? ":)" : ":(", good ? 4 : 0));
        }
        Path ratingsFile = tmp.resolve("ratings.jsonl");
        Files.writeString(ratingsFile, ratings);
        assertEquals(0, Main.run("ingest", "--format", "helpsteer2-ratings", "--input", ratingsFile.toString(), "--dataset", "rated",
                "--dt", DT, "--test-fraction", "0.2", "--warehouse", warehouse));
        ingestPairs(warehouse, "smiles2", 120, 4, 0.2);
        Path base = TinyModels.gpt2(tmp.resolve("base"), 2);
        String[] common = {"--dt", DT, "--base-model", base.toString(), "--warehouse", warehouse, "--workers", "2",
                "--batch-size-per-worker", "8", "--averaging-frequency", "2", "--learning-rate", "1e-2", "--checkpoint-every", "0",
                "--max-length", "96"};

        Path regression = tmp.resolve("regression");
        assertEquals(0, Main.run(concat(new String[]{"train-rm", "--loss", "regression", "--ratings", "rated",
                "--attributes", "helpfulness", "--epochs", "8", "--output", regression.toString()}, common)));
        Path regressionModel = lastCheckpoint(regression);
        Row mse = spark.sql("SELECT first(loss), last(loss) FROM (SELECT loss FROM training_metrics "
                + "WHERE objective = 'reward/regression' ORDER BY round)").first();
        assertTrue(mse.getDouble(1) < 0.25 * mse.getDouble(0), "regression mse " + mse);

        Path bt = tmp.resolve("bt-from-regression");
        assertEquals(0, Main.run(concat(new String[]{"train-rm", "--loss", "scaled-bt", "--pairs", "smiles2",
                "--init-reward-model", regressionModel.toString(), "--epochs", "1", "--output", bt.toString()}, common)));
        assertEquals(0, Main.run("eval-rm", "--pairs", "smiles2", "--dt", DT, "--reward-model", lastCheckpoint(bt).toString(),
                "--output", "bt_init_rewards", "--warehouse", warehouse));
        double accuracy = spark.sql("SELECT avg(CAST(correct AS DOUBLE)) FROM bt_init_rewards").first().getDouble(0);
        assertTrue(accuracy >= 0.9, "held-out accuracy of BT started from the regression model " + accuracy);
    }

    @Test
    void headOnlyRoleSwappedModelKeepsItsBaseAndEvalReadsItsLayout() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        ingestPairs(warehouse, "smiles3", 60, 5, 0.3);
        Path base = TinyModels.gpt2(tmp.resolve("base"), 3);
        String[] common = {"--pairs", "smiles3", "--dt", DT, "--base-model", base.toString(), "--warehouse", warehouse,
                "--workers", "2", "--batch-size-per-worker", "8", "--averaging-frequency", "2", "--learning-rate", "1e-2",
                "--checkpoint-every", "0", "--max-length", "128"};
        Path probe = tmp.resolve("probe");
        assertEquals(0, Main.run(concat(new String[]{"train-rm", "--template", "role-swapped", "--feedback-request", "Judge my answer.",
                "--head-only", "--epochs", "2", "--output", probe.toString()}, common)));
        Path checkpoint = lastCheckpoint(probe);
        RewardLayout layout = RewardModelFolder.layout(checkpoint.toString());
        assertEquals(RewardLayout.of("role-swapped", "Judge my answer."), layout);

        RewardModel trained = RewardModelFolder.load(checkpoint.toString(), DataType.FLOAT);
        CausalLM baseLm = HfCheckpoint.load(ModelFolder.of(base.toString()), DataType.FLOAT);
        baseLm.parameters().values().forEach((name, weights) ->
                assertEquals(weights, trained.lm().parameters().values().get(name), name + " is the base model's"));

        // eval-rm encodes in the saved layout: its rewards are the model's on role-swapped conversations
        assertEquals(0, Main.run("eval-rm", "--pairs", "smiles3", "--dt", DT, "--reward-model", checkpoint.toString(),
                "--output", "probe_rewards", "--warehouse", warehouse));
        Row row = spark.sql("SELECT p.prompt, p.chosen, r.reward_chosen FROM probe_rewards r JOIN smiles3 p USING (pair_id) LIMIT 1").first();
        int[] tokens = layout.encode(ExecutorModels.encoder(checkpoint.toString()), ModelRows.messages(row, "prompt"), row.getString(1));
        assertEquals(row.getDouble(2), trained.rewards(Batch.of(tokens))[0], 1e-4);

        // a run that would read another layout than its starting head was trained in is refused
        assertEquals(1, Main.run(concat(new String[]{"train-rm", "--init-reward-model", checkpoint.toString(), "--template", "standard",
                "--epochs", "1", "--output", tmp.resolve("mixed").toString()}, common)));
    }

    @Test
    void crashedRunResumesFromItsLastCheckpointAndWritesEachRoundOnce() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        ingestPairs(warehouse, "resume_pairs", 16, 5, 0);
        Path base = TinyModels.gpt2(tmp.resolve("base"), 3);
        Path output = tmp.resolve("rm-crashing");
        String[] args = {"train-rm", "--pairs", "resume_pairs", "--dt", DT, "--base-model", base.toString(), "--output", output.toString(),
                "--warehouse", warehouse, "--workers", "2", "--batch-size-per-worker", "2", "--averaging-frequency", "1",
                "--checkpoint-every", "2", "--max-length", "96"};

        assertEquals(1, Main.run(concat(args, new String[]{"--fail-after-round", "3"})));
        assertTrue(Files.isDirectory(output.resolve("checkpoint-000002")));
        assertEquals(0, Main.run(args));

        // 16 pairs, 2 workers x 2 a round: 4 rounds; rounds 3 ran twice, its metrics row is written once.
        assertTrue(Files.isDirectory(output.resolve("checkpoint-000004")));
        List<Row> rounds = spark.sql("SELECT round, count(*) FROM training_metrics WHERE run_id = 'rm-crashing' GROUP BY round ORDER BY round")
                .collectAsList();
        assertEquals(List.of("[1,1]", "[2,1]", "[3,1]", "[4,1]"), rounds.stream().map(Row::toString).toList());
    }

    private static Path lastCheckpoint(Path run) throws IOException {
        try (var folders = Files.list(run)) {
            return folders.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).max(Path::compareTo).orElseThrow();
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
