package org.alignspark.jobs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.alignspark.Main;
import org.alignspark.testing.TestSpark;
import org.alignspark.testing.TinyModels;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SelfCorrectMetricsJobTest {
    private static final String DT = "2026-12-03";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every column of self_correction_metrics that a computation fills (not the run's description or its time). */
    private static final List<String> FIGURES = List.of("k", "problems", "correct_to_correct", "correct_to_incorrect",
            "incorrect_to_correct", "incorrect_to_incorrect", "acc_t1", "acc_t1_low", "acc_t1_high", "acc_t2", "acc_t2_low",
            "acc_t2_high", "delta", "delta_i2c", "delta_i2c_low", "delta_i2c_high", "delta_c2i", "delta_c2i_low",
            "delta_c2i_high", "cl", "cl_low", "cl_high", "cs", "cs_low", "cs_high", "rss", "sampled_acc_t1",
            "sampled_acc_t2", "sampled_cl", "sampled_cs", "sampled_rss");
    private static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startSpark() {
        spark = TestSpark.session();
    }

    private String warehouse() {
        return tmp.resolve("warehouse").toString();
    }

    private void ingest(String dataset, Path file) {
        assertEquals(0, Main.run("ingest", "--format", "self-correction", "--dataset", dataset, "--input", file.toString(),
                "--dt", DT, "--warehouse", warehouse()));
        assertEquals(0, spark.read().parquet(warehouse() + "/job_runs").filter("table_name = '" + dataset + "'")
                .first().<Long>getAs("rows_quarantined"), () -> dataset + " ingested without a rejected row: "
                + spark.read().parquet(warehouse() + "/" + dataset + "_quarantine").select("reason").collectAsList());
    }

    private Row metricsOf(String tracesTable) {
        List<Row> rows = spark.read().parquet(warehouse() + "/self_correction_metrics")
                .filter("traces_table = '" + tracesTable + "'").collectAsList();
        assertEquals(1, rows.size(), "one metrics row of " + tracesTable);
        return rows.get(0);
    }

    /**
     * A random tiny policy writes K = 4 two-attempt samples for each of 6 prompts in self-correct-eval, judged by a
     * loose numeric verifier (any number is within 10⁶ of the reference, so an attempt is right exactly when it holds a
     * digit: a mix of verdicts). Its traces are then exported as a self-correction JSON Lines file, as a user's own
     * traces from elsewhere would be, once with the verdicts and once without, and ingested; self-correct-metrics on
     * self-correct-eval's own trace table, on the graded file and on the ungraded file with the same verifier gives
     * self-correct-eval's figures each time. (Sampling seed 1: a random byte-level policy sometimes writes a NUL byte,
     * which ingest's text rules refuse; with this seed none of the 48 attempts has one.)
     */
    @Test
    void metricsOfIngestedTracesEqualThoseSelfCorrectEvalComputesForTheSameTraces() throws IOException {
        StringBuilder prompts = new StringBuilder();
        for (int q = 0; q < 6; q++) {
            prompts.append(JSON.writeValueAsString(Map.of("prompt", "Add " + q + " and " + (q + 3) + ".",
                    "reference_answer", String.valueOf(2 * q + 3), "attempts", List.of("-")))).append('\n');
        }
        Path promptsFile = Files.writeString(tmp.resolve("prompts.jsonl"), prompts);
        ingest("questions", promptsFile);
        Path policy = TinyModels.gpt2(tmp.resolve("policy"), 11);
        assertEquals(0, Main.run("self-correct-eval", "--prompts", "questions", "--split", "all", "--policy", policy.toString(),
                "--output", "eval_traces", "--k", "4", "--temperature", "1.0", "--max-new-tokens", "12", "--seed", "1",
                "--verifier", "numeric:1000000", "--instruction", "reask", "--dt", DT, "--warehouse", warehouse()));
        Row eval = metricsOf("eval_traces");
        assertEquals(24L, eval.<Long>getAs("problems"));
        assertTrue(eval.<Double>getAs("acc_t1") > 0 && eval.<Double>getAs("acc_t1") < 1
                        && eval.<Long>getAs("incorrect_to_correct") + eval.<Long>getAs("correct_to_incorrect") > 0,
                "the random policy's verdicts are mixed: " + eval);

        List<Row> traces = spark.read().parquet(warehouse() + "/eval_traces/dt=" + DT).collectAsList();
        StringBuilder graded = new StringBuilder();
        StringBuilder ungraded = new StringBuilder();
        for (Row trace : traces) {
            graded.append(export(trace, true)).append('\n');
            ungraded.append(export(trace, false)).append('\n');
        }
        ingest("graded_traces", Files.writeString(tmp.resolve("graded.jsonl"), graded, StandardCharsets.UTF_8));
        ingest("ungraded_traces", Files.writeString(tmp.resolve("ungraded.jsonl"), ungraded, StandardCharsets.UTF_8));

        assertEquals(0, Main.run("self-correct-metrics", "--traces", "eval_traces", "--dt", DT, "--warehouse", warehouse()));
        assertEquals(0, Main.run("self-correct-metrics", "--traces", "graded_traces", "--dt", DT, "--warehouse", warehouse()));
        assertEquals(0, Main.run("self-correct-metrics", "--traces", "ungraded_traces", "--verifier", "numeric:1000000",
                "--dt", DT, "--warehouse", warehouse()));
        for (String table : List.of("eval_traces", "graded_traces", "ungraded_traces")) {
            List<Row> rows = spark.read().parquet(warehouse() + "/self_correction_metrics")
                    .filter("traces_table = '" + table + "' AND policy IS NULL").collectAsList();
            assertEquals(1, rows.size(), table);
            for (String figure : FIGURES) {
                assertEquals((Object) eval.getAs(figure), rows.get(0).getAs(figure), table + ": " + figure);
            }
        }
        assertEquals("recorded", metricsOfIngested("graded_traces").getAs("verifier"));
        assertEquals("recorded, else numeric:1000000", metricsOfIngested("ungraded_traces").getAs("verifier"));
    }

    private Row metricsOfIngested(String table) {
        return spark.read().parquet(warehouse() + "/self_correction_metrics").filter("traces_table = '" + table + "'").first();
    }

    /** A trace row as a line of the self-correction format, with its attempts' verdicts or without. */
    private static String export(Row trace, boolean withVerdicts) throws IOException {
        Map<String, Object> line = new LinkedHashMap<>();
        List<Map<String, String>> prompt = new ArrayList<>();
        for (Row turn : trace.<Row>getList(trace.fieldIndex("prompt"))) {
            prompt.add(Map.of("role", turn.getAs("role"), "content", turn.getAs("content")));
        }
        line.put("prompt", prompt);
        line.put("reference_answer", trace.getAs("reference_answer"));
        List<Map<String, Object>> attempts = new ArrayList<>();
        for (Row attempt : trace.<Row>getList(trace.fieldIndex("attempts"))) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("text", attempt.getAs("text"));
            if (withVerdicts) {
                a.put("correct", attempt.getAs("correct"));
            }
            attempts.add(a);
        }
        line.put("attempts", attempts);
        line.put("model", "tiny-random");
        return JSON.writeValueAsString(line);
    }

    /**
     * Traces the metrics cannot use go to the quarantine table with their reason: one attempt only, and an attempt
     * without a verdict when no --verifier is given; the rest are counted.
     */
    @Test
    void quarantinesTracesWithOneAttemptOrAnUngradedAttempt() throws IOException {
        Path file = Files.writeString(tmp.resolve("mixed.jsonl"), String.join("\n",
                "{\"prompt\": \"1+1?\", \"reference_answer\": \"2\", \"attempts\": [{\"text\": \"2\", \"correct\": true}, {\"text\": \"3\", \"correct\": false}]}",
                "{\"prompt\": \"2+2?\", \"reference_answer\": \"4\", \"attempts\": [{\"text\": \"4\", \"correct\": true}]}",
                "{\"prompt\": \"3+3?\", \"reference_answer\": \"6\", \"attempts\": [{\"text\": \"5\", \"correct\": false}, \"6\"]}",
                ""));
        ingest("mixed", file);
        assertEquals(0, Main.run("self-correct-metrics", "--traces", "mixed", "--dt", DT, "--warehouse", warehouse()));
        Map<String, String> reasons = new java.util.TreeMap<>();
        spark.read().parquet(warehouse() + "/mixed_metrics_quarantine/dt=" + DT).collectAsList()
                .forEach(r -> reasons.put(r.getAs("reason"), r.getAs("prompt_id")));
        assertEquals(List.of("attempt 2 has no verdict ('correct'); give --verifier to grade it",
                "trace has 1 attempt; two are needed"), List.copyOf(reasons.keySet()));
        Row m = metricsOf("mixed");
        assertEquals(1L, m.<Long>getAs("problems"));
        assertEquals(1L, m.<Long>getAs("correct_to_incorrect"));
        assertNull(m.getAs("groups"));
    }

    /**
     * Real traces: GSM8K problems answered by claude-3-haiku and gpt-4o-mini, every turn graded by the authors' own
     * checker (samples/self-correction-algoverse-gsm8k.jsonl; source and selection in
     * tools/samples/algoverse_gsm8k_sample.py). Their protocol stops at the first correct turn, so a problem solved at
     * once has one attempt and is quarantined here; the others have two.
     * <pre>
     * claude-3-haiku   1039 F→T  886 T  286 F→F  1064 T  671 T  245 T  374 F→T  610 F→F  178 F→T  342 T
     *   two attempts: 5 (1039 286 374 610 178): i→c 3 (1039 374 178), i→i 2 (286 610), c→c 0, c→i 0; one attempt: 5
     *   Acc@t1 0/5 = 0, Acc@t2 3/5 = 0.6, Δ = 0.6, Δi→c 3/5 = 0.6, Δc→i 0, CL undefined (no right first attempt),
     *   CS 3/5 = 0.6, RSS undefined (Acc@t1 = 0)
     *   Wilson 95% of 3/5 (p 0.6, z = 1.959964, z² = 3.841459, 1 + z²/5 = 1.768292): centre (0.6 + 0.384146) / 1.768292
     *   = 0.556552, half z · √(0.048 + 0.038415) / 1.768292 = 0.325827 → [0.230724, 0.882379]; of 0/5: centre = half
     *   = 0.384146 / 1.768292 = 0.217241 → [0, 0.434482]
     * gpt-4o-mini      1039 T  886 T  286 T  1064 T  671 F→F  245 F→F  374 T  610 T  178 T  342 T
     *   two attempts: 2 (671 245), both i→i; one attempt: 8; Acc@t1 0, Acc@t2 0, Δ 0, CS 0/2 = 0, CL undefined
     * </pre>
     */
    @Test
    void countsARealDatasetsGradedAttemptsPerModel() {
        ingest("algoverse", TestSpark.samples("self-correction-algoverse-gsm8k.jsonl"));
        assertEquals(0, Main.run("self-correct-metrics", "--traces", "algoverse", "--group-by", "model,dataset",
                "--dt", DT, "--warehouse", warehouse()));
        Map<String, Row> byModel = new java.util.TreeMap<>();
        spark.read().parquet(warehouse() + "/self_correction_metrics").filter("traces_table = 'algoverse'").collectAsList()
                .forEach(r -> byModel.put(String.valueOf(r.getJavaMap(r.fieldIndex("groups")).get("model")), r));
        assertEquals(List.of("claude-3-haiku-20240307", "gpt-4o-mini"), List.copyOf(byModel.keySet()));

        Row haiku = byModel.get("claude-3-haiku-20240307");
        assertEquals("gsm8k", haiku.getJavaMap(haiku.fieldIndex("groups")).get("dataset"));
        assertEquals(List.of(5L, 0L, 0L, 3L, 2L), List.of(haiku.<Long>getAs("problems"), haiku.<Long>getAs("correct_to_correct"),
                haiku.<Long>getAs("correct_to_incorrect"), haiku.<Long>getAs("incorrect_to_correct"), haiku.<Long>getAs("incorrect_to_incorrect")));
        assertEquals(0.0, haiku.<Double>getAs("acc_t1"), 1e-12);
        assertEquals(0.6, haiku.<Double>getAs("acc_t2"), 1e-12);
        assertEquals(0.6, haiku.<Double>getAs("delta"), 1e-12);
        assertEquals(0.6, haiku.<Double>getAs("delta_i2c"), 1e-12);
        assertEquals(0.0, haiku.<Double>getAs("delta_c2i"), 1e-12);
        assertNull(haiku.getAs("cl"));
        assertEquals(0.6, haiku.<Double>getAs("cs"), 1e-12);
        assertNull(haiku.getAs("rss"));
        assertEquals(0.230724, haiku.<Double>getAs("acc_t2_low"), 1e-6);
        assertEquals(0.882379, haiku.<Double>getAs("acc_t2_high"), 1e-6);
        assertEquals(0.0, haiku.<Double>getAs("acc_t1_low"), 1e-9);
        assertEquals(0.434482, haiku.<Double>getAs("acc_t1_high"), 1e-6);
        assertEquals(1, haiku.<Integer>getAs("k"));

        Row mini = byModel.get("gpt-4o-mini");
        assertEquals(List.of(2L, 0L, 0L, 0L, 2L), List.of(mini.<Long>getAs("problems"), mini.<Long>getAs("correct_to_correct"),
                mini.<Long>getAs("correct_to_incorrect"), mini.<Long>getAs("incorrect_to_correct"), mini.<Long>getAs("incorrect_to_incorrect")));
        assertEquals(0.0, mini.<Double>getAs("acc_t2"), 1e-12);
        assertEquals(0.0, mini.<Double>getAs("cs"), 1e-12);
        assertNull(mini.getAs("cl"));

        // 5 + 8 one-attempt traces quarantined, with the reason
        List<Row> quarantined = spark.read().parquet(warehouse() + "/algoverse_metrics_quarantine/dt=" + DT).collectAsList();
        assertEquals(13, quarantined.size());
        assertTrue(quarantined.stream().allMatch(r -> r.<String>getAs("reason").equals("trace has 1 attempt; two are needed")));
    }
}
