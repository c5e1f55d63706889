package org.alignspark.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.alignspark.Main;
import org.alignspark.testing.TestSpark;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainScoreJobTest {
    private static final String DT = "2026-12-01";
    private static final String INSTRUCTION = "Check.";

    @TempDir
    Path tmp;

    /**
     * The toy task, where correcting is learnable and transfers to held-out questions: the arithmetic world's
     * "a+0" questions (a ≤ 79, tersely worded), whose answer is a copy of a, a rule a tiny model learns for every a,
     * so the held-out questions test the correction behaviour, not recall of memorized sums. The base policy is a
     * byte-level GPT-2 trained from scratch by train-sft on the simulated policy's dialogues for all questions (the
     * base "knows" the task, as a pretrained model would): attempt 1 right half the time, attempt 2 fixing a wrong
     * attempt 20% of the time and breaking a right one 60% of the time, so its Δ(t1, t2) is negative like SCoRe's
     * base models' (docs/spec-data-side.md §4e). train-score (Stage I, then Stage II with α = 10) trains on the train split;
     * self-correct-eval samples the held-out test questions before and after, with the same seeds.
     * <p>
     * The comparison is paired by question: d_q = Δ_after(q) − Δ_base(q) over the held-out questions, and the mean of
     * d must exceed three standard errors of that mean (and 0.05), which sampling noise does not explain.
     */
    @Test
    void stageTwoRaisesTheSelfCorrectionDeltaOverTheBasePolicyOnHeldOutQuestions() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        assertEquals(0, Main.run("demo-data", "--dt", DT, "--dialogues", "0", "--pairs", "0", "--k", "1",
                "--arithmetic-traces", "480", "--arithmetic-format", "terse", "--arithmetic-max-operand", "79",
                "--arithmetic-max-second-operand", "0", "--arithmetic-first-accuracy", "0.5", "--arithmetic-fix-rate", "0.2",
                "--arithmetic-break-rate", "0.6", "--arithmetic-instruction", INSTRUCTION, "--test-fraction", "0.3",
                "--warehouse", warehouse));
        Path sft = tmp.resolve("sft");
        assertEquals(0, Main.run("train-sft", "--data", "demo_arithmetic_sft", "--dt", DT, "--split", "all", "--from-scratch", "gpt2",
                "--d-model", "64", "--layers", "2", "--heads", "4", "--max-positions", "32", "--max-length", "32",
                "--output", sft.toString(), "--warehouse", warehouse, "--workers", "1", "--batch-size-per-worker", "8",
                "--averaging-frequency", "120", "--epochs", "10", "--learning-rate", "4e-3", "--warmup-steps", "20",
                "--lr-schedule", "constant", "--checkpoint-every", "0"));
        String base = lastCheckpoint(sft);
        Map<String, Double> baseDelta = evaluate(spark, warehouse, base, "base_eval");

        Path score = tmp.resolve("score");
        assertEquals(0, Main.run("train-score", "--prompts", "demo_arithmetic_traces", "--dt", DT, "--split", "train",
                "--base-model", base, "--instruction", INSTRUCTION, "--max-new-tokens", "4", "--samples-per-prompt", "4",
                "--stage1-epochs", "4", "--epochs", "20", "--output", score.toString(), "--warehouse", warehouse,
                "--workers", "1", "--batch-size-per-worker", "4", "--averaging-frequency", "8", "--learning-rate", "1e-3",
                "--lr-schedule", "constant", "--checkpoint-every", "0"));
        Map<String, Double> scoreDelta = evaluate(spark, warehouse, lastCheckpoint(score.resolve("stage-2")), "score_eval");

        spark.sql("SELECT objective, round, loss, metrics['reward_t1'] AS r1, metrics['reward_t2'] AS r2, metrics['kl_t1'] AS kl1 "
                + "FROM training_metrics WHERE objective LIKE 'score%' ORDER BY objective, round").show(100, false);
        assertEquals(baseDelta.keySet(), scoreDelta.keySet());
        assertTrue(baseDelta.size() >= 8, "held-out questions: " + baseDelta.size());
        int q = baseDelta.size();
        double[] d = baseDelta.keySet().stream().mapToDouble(id -> scoreDelta.get(id) - baseDelta.get(id)).toArray();
        double mean = java.util.Arrays.stream(d).average().orElseThrow();
        double var = java.util.Arrays.stream(d).map(x -> (x - mean) * (x - mean)).sum() / (q - 1);
        double standardError = Math.sqrt(var / q);
        System.out.printf("Δ raised by %.3f ± %.3f (standard error) over %d held-out questions%n", mean, standardError, q);
        assertTrue(mean > 0.05 && mean > 3 * standardError,
                "Δ after SCoRe − Δ base, paired by question: " + mean + " ± " + standardError);

        Row logged = spark.sql("SELECT count(*), count(metrics['delta']), count(metrics['kl_t1']) FROM training_metrics "
                + "WHERE objective IN ('score-stage-1', 'score-stage-2')").first();
        assertTrue(logged.getLong(0) > 0);
        assertEquals(logged.getLong(0), logged.getLong(1));
        assertEquals(logged.getLong(0), logged.getLong(2));
    }

    /** Runs self-correct-eval on the held-out questions; Δ(t1, t2) = Acc@t2 − Acc@t1 per question. */
    private static Map<String, Double> evaluate(SparkSession spark, String warehouse, String policy, String output) {
        assertEquals(0, Main.run("self-correct-eval", "--prompts", "demo_arithmetic_traces", "--dt", DT, "--split", "test",
                "--policy", policy, "--output", output, "--k", "32", "--temperature", "1.0", "--max-new-tokens", "4",
                "--instruction", INSTRUCTION, "--batch-size", "64", "--warehouse", warehouse));
        Row m = spark.sql("SELECT problems, acc_t1, acc_t2, delta, cl, cs, rss FROM self_correction_metrics WHERE traces_table = '"
                + output + "'").first();
        System.out.println(output + ": traces, Acc@t1, Acc@t2, Δ, CL, CS, RSS = " + m);
        List<Row> perQuestion = spark.sql("SELECT prompt_id, avg(CAST(attempts[1].correct AS DOUBLE) - CAST(attempts[0].correct AS DOUBLE)) "
                + "FROM " + output + " WHERE dt = '" + DT + "' GROUP BY prompt_id").collectAsList();
        Map<String, Double> out = new HashMap<>();
        perQuestion.forEach(r -> out.put(r.getString(0), r.getDouble(1)));
        return out;
    }

    static String lastCheckpoint(Path run) throws IOException {
        try (var folders = Files.list(run)) {
            return folders.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).max(Path::compareTo).orElseThrow().toString();
        }
    }
}
