package org.alignspark.jobs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.alignspark.Main;
import org.alignspark.data.DatasetKind;
import org.alignspark.data.avro.PreferencePair;
import org.alignspark.data.demo.DemoWorld;
import org.alignspark.warehouse.AvroColumns;
import org.alignspark.testing.TestSpark;
import org.alignspark.warehouse.Warehouse;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mining jobs on the demo world, end to end through {@code Main.run}: a tiny scorer trained from scratch on how the
 * world's users react tells right answers from wrong ones by FLR on labelled pairs it was not trained on, where the
 * response's own likelihood (Direct) cannot; and CHES, on that model's hidden states, ranks near-duplicate pairs above
 * pairs whose answers differ.
 */
class DemoWorldMiningTest {
    private static final String DT = "2026-11-27";

    @TempDir
    Path tmp;

    @Test
    void flrBeatsDirectOnLabelledPairsAndChesRanksNearDuplicatesFirst() throws java.io.IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        String tokenizer = tmp.resolve("tokenizer").toString();
        String scorer = tmp.resolve("scorer").toString();
        assertEquals(0, Main.run("demo-data", "--dt", DT, "--dialogues", "4800", "--pairs", "128", "--policy-dialogues", "0", "--arithmetic-traces", "0", "--tokenizer-output", tokenizer, "--warehouse", warehouse));
        // The settings of conf/demo.yaml's scorer: about 1,500 optimizer steps per worker, past the plateau where the
        // loss sits until the model starts to look at whether the answer fits the question.
        assertEquals(0, Main.run("train-sft", "--data", "demo_scorer_dialogues", "--dt", DT, "--from-scratch", "gpt2",
                "--tokenizer", tokenizer, "--d-model", "64", "--layers", "2", "--batch-size-per-worker", "8",
                "--learning-rate", "1e-2", "--warmup-steps", "20", "--epochs", "5", "--max-positions", "256",
                "--checkpoint-every", "0", "--output", scorer, "--warehouse", warehouse));
        String checkpoint = TrainScoreJobTest.lastCheckpoint(Path.of(scorer));
        assertEquals(0, Main.run("flr-score", "--responses", "demo_pairs", "--dt", DT, "--scorer", checkpoint,
                "--template", "role-swapped", "--follow-ups", "demo-world", "--feedback-request", DemoDataJob.DEMO_FEEDBACK_REQUEST,
                "--output", "demo_pairs_flr", "--warehouse", warehouse));
        assertEquals(0, Main.run("flr-eval", "--scores", "demo_pairs_flr", "--pairs", "demo_pairs", "--dt", DT, "--warehouse", warehouse));

        Map<String, Row> accuracy = spark.sql("SELECT method, value, n FROM flr_eval WHERE metric = 'pairwise_accuracy'")
                .collectAsList().stream().collect(Collectors.toMap(r -> r.getString(0), r -> r));
        assertEquals(128, accuracy.get("flr").getLong(2));
        double flr = accuracy.get("flr").getDouble(1);
        double direct = accuracy.get("direct").getDouble(1);
        assertTrue(flr >= 0.8, "FLR accuracy " + flr + " (Direct " + direct + ")");
        assertTrue(flr > direct, "FLR " + flr + " vs Direct " + direct);
        // CHES on the world, with the scorer's hidden states: near duplicates (the same answer, "." turned into "!")
        // mixed with labelled pairs (a right answer against a wrong one).
        DemoWorld world = new DemoWorld(7, List.of(), DemoDataJob.DEMO_FEEDBACK_REQUEST);
        List<PreferencePair> nearDuplicates = world.nearDuplicatePairs(32);
        List<PreferencePair> pairs = new ArrayList<>(nearDuplicates);
        pairs.addAll(world.labelledPairs(32));
        new Warehouse(spark, warehouse).overwritePartition(
                AvroColumns.fromRecords(spark, pairs, DatasetKind.PREFERENCE_PAIR.schema()), "demo_mixed_pairs", DT, false);
        assertEquals(0, Main.run("ches", "--pairs", "demo_mixed_pairs", "--dt", DT, "--model", checkpoint,
                "--drop", "highest-fraction=0.5", "--output", "demo_mixed_ches", "--warehouse", warehouse));
        assertEquals(pairs.size() / 2, spark.sql("SELECT * FROM demo_mixed_ches_ches_removed").count());
        String ids = nearDuplicates.stream().map(p -> "'" + p.getPairId() + "'").collect(Collectors.joining(", "));
        Row means = spark.sql("SELECT avg(CASE WHEN pair_id IN (" + ids + ") THEN ches END), avg(CASE WHEN pair_id NOT IN (" + ids
                + ") THEN ches END), avg(CASE WHEN pair_id IN (" + ids + ") THEN ln_ches END), avg(CASE WHEN pair_id NOT IN (" + ids
                + ") THEN ln_ches END) FROM (SELECT * FROM demo_mixed_ches UNION ALL SELECT * FROM demo_mixed_ches_ches_removed)").first();
        assertTrue(means.getDouble(0) > means.getDouble(1), "CHES of near duplicates " + means.getDouble(0) + " vs right/wrong " + means.getDouble(1));
        assertTrue(means.getDouble(2) > means.getDouble(3), "ln CHES of near duplicates " + means.getDouble(2) + " vs right/wrong " + means.getDouble(3));
    }
}
