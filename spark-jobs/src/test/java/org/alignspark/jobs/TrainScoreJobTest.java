package org.alignspark.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.alignspark.Main;
import org.alignspark.spark.TestSpark;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainScoreJobTest {
    private static final String DT = "2026-12-01";
    private static final String INSTRUCTION = "Check it.";

    @TempDir
    Path tmp;

    /**
     * The toy task: a base policy fine-tuned on the arithmetic world, whose first attempt is right 30% of the time and
     * whose second attempt copies the first 80% of the time (and is right otherwise). Correcting is learnable: the
     * right answer is in the model. SCoRe should raise Δ(t1, t2) on held-out questions above the base policy's.
     */
    @Disabled("not tuned yet: in this budget the SFT base reaches loss 0.72 (floor ≈ 0.27) and Acc@t1 = 0 on held-out "
            + "questions, so there is no correction to learn; the test also runs ~3 min, over the 60 s budget")
    @Test
    void stageTwoRaisesTheSelfCorrectionDeltaOverTheBasePolicyOnHeldOutQuestions() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        assertEquals(0, Main.run("demo-data", "--dt", DT, "--dialogues", "0", "--pairs", "0", "--k", "1",
                "--arithmetic-traces", "320", "--arithmetic-max-operand", "2", "--arithmetic-first-accuracy", "0.3",
                "--arithmetic-fix-rate", "0.2", "--arithmetic-instruction", INSTRUCTION, "--test-fraction", "0.3",
                "--warehouse", warehouse));
        Path sft = tmp.resolve("sft");
        assertEquals(0, Main.run("train-sft", "--data", "demo_arithmetic_sft", "--dt", DT, "--split", "all", "--from-scratch", "gpt2",
                "--d-model", "32", "--layers", "2", "--heads", "4", "--max-positions", "128", "--output", sft.toString(),
                "--warehouse", warehouse, "--workers", "2", "--batch-size-per-worker", "32", "--averaging-frequency", "2",
                "--epochs", "3", "--learning-rate", "1e-2", "--lr-schedule", "cosine", "--checkpoint-every", "0"));
        String base = lastCheckpoint(sft);
        double baseDelta = evaluate(spark, warehouse, base, "base_eval");

        Path score = tmp.resolve("score");
        assertEquals(0, Main.run("train-score", "--prompts", "demo_arithmetic_traces", "--dt", DT, "--split", "train",
                "--base-model", base, "--instruction", INSTRUCTION, "--max-new-tokens", "24", "--samples-per-prompt", "4",
                "--stage1-epochs", "2", "--epochs", "10", "--output", score.toString(), "--warehouse", warehouse,
                "--workers", "2", "--batch-size-per-worker", "1", "--averaging-frequency", "4", "--learning-rate", "3e-3",
                "--lr-schedule", "constant", "--checkpoint-every", "0"));
        double scoreDelta = evaluate(spark, warehouse, lastCheckpoint(score.resolve("stage-2")), "score_eval");

        spark.sql("SELECT objective, round, loss, metrics['reward_t1'] AS r1, metrics['reward_t2'] AS r2, metrics['kl_t1'] AS kl1 "
                + "FROM training_metrics ORDER BY objective, round").show(100, false);
        assertTrue(scoreDelta > baseDelta + 0.1, "Δ after SCoRe " + scoreDelta + " vs base " + baseDelta);
        Row logged = spark.sql("SELECT count(*), count(metrics['delta']), count(metrics['kl_t1']) FROM training_metrics "
                + "WHERE objective IN ('score-stage-1', 'score-stage-2')").first();
        assertTrue(logged.getLong(0) > 0);
        assertEquals(logged.getLong(0), logged.getLong(1));
        assertEquals(logged.getLong(0), logged.getLong(2));
    }

    private static double evaluate(SparkSession spark, String warehouse, String policy, String output) {
        assertEquals(0, Main.run("self-correct-eval", "--prompts", "demo_arithmetic_traces", "--dt", DT, "--split", "test",
                "--policy", policy, "--output", output, "--k", "16", "--temperature", "1.0", "--max-new-tokens", "24",
                "--instruction", INSTRUCTION, "--warehouse", warehouse));
        Row m = spark.sql("SELECT delta, problems, acc_t1, acc_t2, cl, cs, rss FROM self_correction_metrics WHERE traces_table = '"
                + output + "'").first();
        System.out.println(output + ": " + m);
        return m.getDouble(0);
    }

    static String lastCheckpoint(Path run) throws IOException {
        try (var folders = Files.list(run)) {
            return folders.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).max(Path::compareTo).orElseThrow().toString();
        }
    }
}
