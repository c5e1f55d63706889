package org.alignspark.jobs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.alignspark.executor.ExecutorModels;
import org.alignspark.Main;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.executor.ModelRows;
import org.alignspark.testing.TestSpark;
import org.alignspark.testing.TinyModels;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** train-policy's KTO, BCO and list-ranking losses, end to end through ref-logprobs on toy tables. */
class TrainPolicyObjectivesJobTest {
    private static final String DT = "2026-11-27";
    private static final String[] WORDS = {"apple", "river", "stone", "cloud", "maple", "tiger", "lemon", "piano"};

    @TempDir
    Path tmp;

    /** Binary feedback: "w :)" is desirable, "w :(" undesirable, one labelled completion per prompt. */
    private String feedbackTable(String warehouse, String dataset, int n) throws IOException {
        Random random = new Random(13);
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < n; i++) {
            boolean good = random.nextBoolean();
            jsonl.append(String.format("{\"prompt\": \"Rate %d.\", \"completion\": \"%s %s\", \"label\": %b}%n",
                    i, WORDS[random.nextInt(WORDS.length)], good ? ":)" : ":(", good));
        }
        Path input = tmp.resolve(dataset + ".jsonl");
        Files.writeString(input, jsonl);
        assertEquals(0, Main.run("ingest", "--format", "trl", "--input", input.toString(), "--dataset", dataset, "--dt", DT,
                "--test-fraction", "0.2", "--warehouse", warehouse));
        return dataset;
    }

    private static Path lastCheckpoint(Path output) throws IOException {
        try (var folders = Files.list(output)) {
            return folders.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).max(Path::compareTo).orElseThrow();
        }
    }

    /** Share of held-out (desirable, undesirable) pairs whose implicit rewards log π_θ − log π_ref are in order. */
    private static double heldOutSeparation(SparkSession spark, String table, Path policyFolder) {
        CausalLM policy = HfCheckpoint.load(policyFolder.toString());
        ChatEncoder encoder = ExecutorModels.encoder(policyFolder.toString());
        List<Double> good = new ArrayList<>();
        List<Double> bad = new ArrayList<>();
        for (Row r : spark.sql("SELECT prompt, completion, label, ref_logp FROM " + table + " WHERE split = 'test'").collectAsList()) {
            List<Message> prompt = ModelRows.messages(r, "prompt");
            double logp = CompletionLogProbs.forward(policy, List.of(encoder.prompt(prompt)),
                    List.of(encoder.completion(prompt, r.getString(1))), 0).sums()[0];
            (r.getBoolean(2) ? good : bad).add(logp - r.getDouble(3));
        }
        assertTrue(good.size() >= 8 && bad.size() >= 8, good.size() + " desirable, " + bad.size() + " undesirable held out");
        long ordered = 0;
        for (double g : good) {
            for (double b : bad) {
                ordered += g > b ? 1 : 0;
            }
        }
        return (double) ordered / (good.size() * bad.size());
    }

    private static String[] training(String loss, String table, Path reference, Path output, String... extra) {
        List<String> args = new ArrayList<>(List.of("train-policy", "--loss", loss, "--input", table, "--dt", DT,
                "--base-model", reference.toString(), "--beta", "0.5", "--output", output.toString(), "--run-id", loss + "-test",
                "--workers", "2", "--batch-size-per-worker", "8", "--averaging-frequency", "2", "--epochs", "3",
                "--learning-rate", "3e-3", "--checkpoint-every", "0"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void ktoSeparatesHeldOutDesirableFromUndesirable() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        String raw = feedbackTable(warehouse, "feedback", 160);
        Path reference = TinyModels.gpt2(tmp.resolve("reference"), 5);

        // training on the table without reference columns names them and the stage that writes them
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            assertNotEquals(0, Main.run(training("kto", raw, reference, tmp.resolve("none"), "--warehouse", warehouse)));
        } finally {
            System.setErr(err);
        }
        assertTrue(captured.toString().contains("ref_logp, kl_completion, ref_logp_kl") && captured.toString().contains("ref-logprobs"),
                captured.toString());

        assertEquals(0, Main.run("ref-logprobs", "--input", raw, "--dt", DT, "--reference-model", reference.toString(),
                "--output", "feedback_ref", "--warehouse", warehouse));
        assertEquals(spark.sql("SELECT * FROM feedback").count(), spark.sql("SELECT * FROM feedback_ref").count());
        // every mismatched completion is another example's completion of the same split, each used exactly once
        assertEquals(0, spark.sql("SELECT * FROM feedback_ref f WHERE NOT EXISTS (SELECT 1 FROM feedback_ref g "
                + "WHERE g.completion = f.kl_completion AND g.split = f.split AND g.example_id <> f.example_id)").count());
        assertEquals(spark.sql("SELECT sort_array(collect_list(completion)) FROM feedback_ref").first().getList(0),
                spark.sql("SELECT sort_array(collect_list(kl_completion)) FROM feedback_ref").first().getList(0));

        Path output = tmp.resolve("kto");
        assertEquals(0, Main.run(training("kto", "feedback_ref", reference, output, "--desirable-weight", "1.0",
                "--undesirable-weight", "1.0", "--warehouse", warehouse)));
        double separation = heldOutSeparation(spark, "feedback_ref", lastCheckpoint(output));
        assertTrue(separation > 0.8, "held-out separation " + separation);
        Row last = spark.sql("SELECT metrics['kl'], metrics['rewards/margins'], metrics['rewards/chosen'] FROM training_metrics "
                + "WHERE run_id = 'kto-test' ORDER BY round DESC LIMIT 1").first();
        assertTrue(last.getDouble(0) >= 0 && last.getDouble(1) > 0 && !last.isNullAt(2), last.toString());
    }

    @Test
    void bcoWithDensityRatioWeightsSeparatesHeldOutFeedback() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        String raw = feedbackTable(warehouse, "bco_feedback", 160);
        Path reference = TinyModels.gpt2(tmp.resolve("reference"), 5);
        assertEquals(0, Main.run("ref-logprobs", "--input", raw, "--dt", DT, "--reference-model", reference.toString(),
                "--output", "bco_feedback_ref", "--prompt-embeddings", "--warehouse", warehouse));
        assertEquals(32, spark.sql("SELECT size(prompt_embedding) FROM bco_feedback_ref").first().getInt(0));   // d of TinyModels

        Path output = tmp.resolve("bco");
        assertEquals(0, Main.run(training("bco", "bco_feedback_ref", reference, output, "--bco-density-ratio",
                "--warehouse", warehouse)));
        double separation = heldOutSeparation(spark, "bco_feedback_ref", lastCheckpoint(output));
        assertTrue(separation > 0.8, "held-out separation " + separation);
        // δ and the implicit-reward sums the driver folds into it are logged every round (their arithmetic is
        // FeedbackObjectivesTest's); δ after the first round is not the initial 0
        List<Row> rounds = spark.sql("SELECT metrics['delta'], metrics['bco/implicit_reward'] FROM training_metrics "
                + "WHERE run_id = 'bco-test' ORDER BY round").collectAsList();
        assertTrue(rounds.size() >= 3, "rounds " + rounds.size());
        for (Row r : rounds) {
            assertTrue(Double.isFinite(r.getDouble(0)) && Double.isFinite(r.getDouble(1)), r.toString());
        }
        assertNotEquals(0.0, rounds.get(rounds.size() - 1).getDouble(0));
    }

    /**
     * The density-ratio weight multiplies each undesirable example's loss, by the formula: with the ratio clipped to
     * [3, 3] every undesirable weight is 3, and with a learning rate of 1e-12 the policy stays the reference, so every
     * implicit reward and δ are 0 and each example's loss is softplus(0) = ln 2 — the epoch's summed loss is
     * ln 2 · (N_desirable + 3 · N_undesirable) over the train split, and ln 2 · N without the option.
     */
    @Test
    void bcoDensityRatioWeightsMultiplyUndesirableLossesAsTheFormulaSays() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        String raw = feedbackTable(warehouse, "udm_feedback", 64);
        Path reference = TinyModels.gpt2(tmp.resolve("reference"), 5);
        assertEquals(0, Main.run("ref-logprobs", "--input", raw, "--dt", DT, "--reference-model", reference.toString(),
                "--output", "udm_feedback_ref", "--prompt-embeddings", "--warehouse", warehouse));
        Row counts = spark.sql("SELECT sum(IF(label, 1, 0)), sum(IF(label, 0, 1)) FROM udm_feedback_ref WHERE split = 'train'").first();
        long desirable = counts.getLong(0);
        long undesirable = counts.getLong(1);
        assertTrue(desirable > 0 && undesirable > 0, counts.toString());
        for (boolean weighted : new boolean[] {true, false}) {
            String runId = weighted ? "udm-on" : "udm-off";
            List<String> args = new ArrayList<>(List.of("train-policy", "--loss", "bco", "--input", "udm_feedback_ref", "--dt", DT,
                    "--base-model", reference.toString(), "--beta", "0.5", "--output", tmp.resolve(runId).toString(),
                    "--run-id", runId, "--workers", "2", "--batch-size-per-worker", "8", "--averaging-frequency", "2",
                    "--epochs", "1", "--learning-rate", "1e-12", "--checkpoint-every", "0",
                    "--min-density-ratio", "3", "--max-density-ratio", "3", "--warehouse", warehouse));
            if (weighted) {
                args.add("--bco-density-ratio");
            }
            assertEquals(0, Main.run(args.toArray(String[]::new)));
            Row summed = spark.sql("SELECT sum(loss * examples), sum(examples) FROM training_metrics WHERE run_id = '" + runId + "'").first();
            assertEquals(desirable + undesirable, summed.getLong(1), runId + ": every train example once");
            double expected = Math.log(2) * (desirable + (weighted ? 3 : 1) * undesirable);
            assertEquals(expected, summed.getDouble(0), 1e-3 * expected, runId);
        }
    }

    @Test
    void listRankingRaisesHeldOutPairwiseRankingAccuracy() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        Random random = new Random(17);
        StringBuilder jsonl = new StringBuilder();
        String[][] faces = {{":)", "2"}, {":|", "1"}, {":(", "0"}};
        for (int i = 0; i < 80; i++) {
            String w = WORDS[random.nextInt(WORDS.length)];
            List<String> responses = new ArrayList<>();
            for (String[] face : faces) {
                responses.add(String.format("{\"text\": \"%s %s\", \"score\": %s}", w, face[0], face[1]));
            }
            java.util.Collections.shuffle(responses, random);
            jsonl.append(String.format("{\"prompt\": \"Rate %d.\", \"responses\": [%s]}%n", i, String.join(", ", responses)));
        }
        Path input = tmp.resolve("lists.jsonl");
        Files.writeString(input, jsonl);
        assertEquals(0, Main.run("ingest", "--format", "candidates", "--input", input.toString(), "--dataset", "lists", "--dt", DT,
                "--test-fraction", "0.25", "--warehouse", warehouse));
        Path reference = TinyModels.gpt2(tmp.resolve("reference"), 5);
        assertEquals(0, Main.run("ref-logprobs", "--input", "lists", "--dt", DT, "--reference-model", reference.toString(),
                "--output", "lists_ref", "--warehouse", warehouse));
        assertEquals(0, spark.sql("SELECT * FROM lists_ref WHERE size(ref_logps) <> size(responses)").count());

        Path output = tmp.resolve("ranking");
        assertEquals(0, Main.run("train-policy", "--loss", "list-ranking", "--ranking-weighting", "uniform", "--input", "lists_ref",
                "--dt", DT, "--base-model", reference.toString(), "--beta", "0.5", "--output", output.toString(),
                "--run-id", "ranking-test", "--workers", "2", "--batch-size-per-worker", "4", "--averaging-frequency", "2",
                "--epochs", "3", "--learning-rate", "3e-3", "--checkpoint-every", "0", "--warehouse", warehouse));
        Path last = lastCheckpoint(output);
        CausalLM policy = HfCheckpoint.load(last.toString());
        ChatEncoder encoder = ExecutorModels.encoder(last.toString());
        long pairs = 0;
        long ordered = 0;
        for (Row r : spark.sql("SELECT prompt, responses, ref_logps FROM lists_ref WHERE split = 'test'").collectAsList()) {
            List<Message> prompt = ModelRows.messages(r, "prompt");
            List<Row> responses = r.getList(1);
            List<Double> ref = r.getList(2);
            double[] s = new double[responses.size()];
            for (int k = 0; k < s.length; k++) {
                s[k] = CompletionLogProbs.forward(policy, List.of(encoder.prompt(prompt)),
                        List.of(encoder.completion(prompt, responses.get(k).getAs("text"))), 0).sums()[0] - ref.get(k);
            }
            for (int i = 0; i < s.length; i++) {
                for (int j = 0; j < s.length; j++) {
                    if (responses.get(i).<Double>getAs("score") > responses.get(j).<Double>getAs("score")) {
                        pairs++;
                        ordered += s[i] > s[j] ? 1 : 0;
                    }
                }
            }
        }
        assertTrue(pairs >= 30, "held-out ordered pairs " + pairs);
        assertTrue(ordered > 0.8 * pairs, "held-out pairwise ranking accuracy " + ordered + "/" + pairs);
        Row metrics = spark.sql("SELECT metrics['rewards/accuracies'], metrics['ndcg'] FROM training_metrics "
                + "WHERE run_id = 'ranking-test' ORDER BY round DESC LIMIT 1").first();
        assertTrue(metrics.getDouble(0) > 0.5 && metrics.getDouble(1) > 0, metrics.toString());
    }
}
