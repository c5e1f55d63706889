package org.alignspark.jobs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.alignspark.Main;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.ModelRows;
import org.alignspark.testing.TestSpark;
import org.alignspark.testing.TinyModels;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * train-policy's pairwise losses beyond DPO (TRL's exo_pair … sigmoid_norm, SimPO, ORPO; MPO sums; f-divergences,
 * LD-DPO, WPO), each trained end to end on the toy preference task ("w :)" over "w :(") through ingest, ref-logprobs
 * (with --token-logps) and the real job; the reference-free ones train on the table without reference columns.
 */
class TrainPairwiseLossesJobTest {
    private static final String DT = "2026-11-27";
    private static final String[] WORDS = {"apple", "river", "stone", "cloud", "maple", "tiger", "lemon", "piano"};

    @TempDir
    static Path tmp;
    static String warehouse;
    static Path reference;

    @BeforeAll
    static void pairsWithReferenceLogps() throws IOException {
        warehouse = tmp.resolve("warehouse").toString();
        Random random = new Random(11);
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 120; i++) {
            String w = WORDS[random.nextInt(WORDS.length)];
            jsonl.append(String.format("{\"prompt\": \"Rate %d.\", \"chosen\": \"%s :)\", \"rejected\": \"%s :(\"}%n", i, w, w));
        }
        Path input = tmp.resolve("pairs.jsonl");
        Files.writeString(input, jsonl);
        assertEquals(0, Main.run("ingest", "--format", "trl", "--input", input.toString(), "--dataset", "toy_pairs", "--dt", DT,
                "--test-fraction", "0.25", "--warehouse", warehouse));
        reference = TinyModels.gpt2(tmp.resolve("reference"), 5);
        assertEquals(0, Main.run("ref-logprobs", "--pairs", "toy_pairs", "--dt", DT, "--reference-model", reference.toString(),
                "--output", "toy_pairs_ref", "--token-logps", "--warehouse", warehouse));
        // --token-logps: one log-prob per completion token, summing to the stored sequence log-prob
        assertEquals(0, TestSpark.session().sql("SELECT * FROM toy_pairs_ref WHERE size(ref_token_logps_chosen) <> chosen_tokens "
                + "OR size(ref_token_logps_rejected) <> rejected_tokens "
                + "OR abs(aggregate(ref_token_logps_chosen, 0D, (a, x) -> a + x) - ref_logp_chosen) > 1e-6 "
                + "OR abs(aggregate(ref_token_logps_rejected, 0D, (a, x) -> a + x) - ref_logp_rejected) > 1e-6").count());
    }

    private static String[] training(String runId, String table, String... loss) {
        List<String> args = new ArrayList<>(List.of("train-policy", "--input", table, "--dt", DT,
                "--base-model", reference.toString(), "--beta", "0.5", "--output", tmp.resolve(runId).toString(), "--run-id", runId,
                "--workers", "2", "--batch-size-per-worker", "8", "--averaging-frequency", "2", "--epochs", "2",
                "--learning-rate", "3e-3", "--checkpoint-every", "0", "--warehouse", warehouse));
        args.addAll(List.of(loss));
        return args.toArray(String[]::new);
    }

    /** Held-out share of pairs whose implicit reward log π_θ − log π_ref orders chosen over rejected. */
    private static double heldOutAccuracy(String runId) throws IOException {
        SparkSession spark = TestSpark.session();
        Path last;
        try (var folders = Files.list(tmp.resolve(runId))) {
            last = folders.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).max(Path::compareTo).orElseThrow();
        }
        CausalLM policy = HfCheckpoint.load(last.toString());
        ChatEncoder encoder = ExecutorModels.encoder(last.toString());
        List<Row> held = spark.sql("SELECT prompt, chosen, rejected, ref_logp_chosen, ref_logp_rejected FROM toy_pairs_ref "
                + "WHERE split = 'test'").collectAsList();
        assertTrue(held.size() >= 20, "held-out pairs " + held.size());
        long correct = held.stream().filter(r -> {
            List<Message> prompt = ModelRows.messages(r, "prompt");
            int[] p = encoder.prompt(prompt);
            double[] logps = CompletionLogProbs.forward(policy, List.of(p, p),
                    List.of(encoder.completion(prompt, r.getString(1)), encoder.completion(prompt, r.getString(2))), 0).sums();
            return logps[0] - r.getDouble(3) > logps[1] - r.getDouble(4);
        }).count();
        return (double) correct / held.size();
    }

    private static Row lastMetrics(String runId) {
        return TestSpark.session().sql("SELECT objective, metrics['rewards/chosen'], metrics['rewards/rejected'], "
                + "metrics['rewards/accuracies'], metrics['rewards/margins'], metrics['logps/chosen'], metrics['logps/rejected'] "
                + "FROM training_metrics WHERE run_id = '" + runId + "' ORDER BY round DESC LIMIT 1").first();
    }

    /**
     * Each loss (alone, with its own option where it has one) and the MPO mix learns the preference. DiscoPOP runs with
     * τ = 1: at the paper's τ = 0.05 its loss rises with the margin around 0, so a policy that starts as the reference
     * is first pushed to a negative margin (PairwiseLossesTest.discopopWithThePapersTauPushesAZeroMarginDown).
     */
    @ParameterizedTest
    @ValueSource(strings = {"exo_pair", "nca_pair", "bco_pair", "bco_pair --bco-pair-delta", "sppo_hard", "aot", "aot_unpaired", "apo_zero", "apo_down",
            "discopop --discopop-tau 1", "sigmoid_norm", "sigmoid --ld-alpha 0.5", "sigmoid --f-divergence js_divergence", "sigmoid --use-weighting",
            "sigmoid,bco_pair,sft --loss-weights 0.8,0.2,1.0"})
    void lossLearnsTheToyPreference(String loss) throws IOException {
        String[] words = ("--loss " + loss).split(" ");
        String runId = loss.replaceAll("[^a-z_]+", "-");
        assertEquals(0, Main.run(training(runId, "toy_pairs_ref", words)));
        double accuracy = heldOutAccuracy(runId);
        assertTrue(accuracy > 0.8, loss + ": held-out implicit-reward accuracy " + accuracy);
        Row m = lastMetrics(runId);
        assertEquals("dpo/" + words[1], m.getString(0));
        for (int k = 1; k < m.size(); k++) {
            assertFalse(m.isNullAt(k), loss + ": metric " + k + " missing in " + m);
        }
        assertTrue(m.getDouble(4) > 0, loss + ": rewards/margins " + m);
        if (loss.contains("--bco-pair-delta")) {
            Row delta = TestSpark.session().sql("SELECT metrics['delta'] FROM training_metrics WHERE run_id = '" + runId
                    + "' ORDER BY round DESC LIMIT 1").first();
            assertFalse(delta.isNullAt(0));
            assertNotEquals(0.0, delta.getDouble(0));
        }
    }

    /**
     * SimPO, ORPO and SFT read no reference, nor does any loss with --reference-free: they train on the ingested table
     * itself, no ref-logprobs stage.
     */
    @ParameterizedTest
    @ValueSource(strings = {"simpo", "orpo", "sft", "sigmoid --reference-free", "simpo,sft --loss-weights 1.0,0.5"})
    void referenceFreeLossTrainsWithoutReferenceColumns(String loss) throws IOException {
        String runId = "ref-free-" + loss.replaceAll("[^a-z_]+", "-");
        assertEquals(0, Main.run(training(runId, "toy_pairs", ("--loss " + loss).split(" "))));
        double accuracy = heldOutAccuracy(runId);
        assertTrue(accuracy > 0.8, loss + ": held-out implicit-reward accuracy " + accuracy);
        Row m = lastMetrics(runId);
        for (int k = 1; k < m.size(); k++) {
            assertFalse(m.isNullAt(k), loss + ": metric " + k + " missing in " + m);
        }
    }

    @Test
    void aLossThatReadsTheReferenceNamesTheMissingColumnAndTheStage() {
        String err = failure(training("no-ref", "toy_pairs", "--loss", "simpo,apo_zero"));
        assertTrue(err.contains("ref_logp_chosen") && err.contains("ref-logprobs"), err);
        assertEquals(1, err.strip().lines().filter(l -> l.contains("ref_logp_chosen")).count(), err);
        String ld = failure(training("no-ref-ld", "toy_pairs", "--loss", "sigmoid", "--ld-alpha", "0.5"));
        assertTrue(ld.contains("ref_token_logps_chosen") && ld.contains("--token-logps"), ld);
    }

    @Test
    void helpListsEveryLossAndSaysWhichNeedNoReference() {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true));
        try {
            Main.run("train-dpo", "--help");
        } finally {
            System.setOut(out);
        }
        String help = captured.toString().replaceAll("\\s+", " ");
        for (String loss : List.of("sigmoid", "robust", "hinge", "ipo", "exo_pair", "nca_pair", "bco_pair", "sppo_hard", "aot",
                "aot_unpaired", "apo_zero", "apo_down", "discopop", "sft", "sigmoid_norm", "simpo", "orpo")) {
            assertTrue(help.contains(loss), loss + " not in --help");
        }
        assertTrue(help.contains("needs no ref-logprobs stage"), help);
        for (String option : List.of("--loss-weights", "--reference-free", "--f-divergence", "--f-alpha-divergence-coef",
                "--ld-alpha", "--use-weighting", "--bco-pair-delta", "--simpo-gamma", "--discopop-tau", "--exo-epsilon", "--label-smoothing")) {
            assertTrue(help.contains(option), option + " not in --help");
        }
    }

    private static String failure(String[] args) {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            assertNotEquals(0, Main.run(args));
        } finally {
            System.setErr(err);
        }
        return captured.toString();
    }
}
