package org.alignspark.jobs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.alignspark.testing.SqlTypes;
import org.alignspark.Main;
import org.alignspark.data.avro.FlrScore;
import org.alignspark.warehouse.AvroColumns;
import org.alignspark.testing.TestSpark;
import org.alignspark.warehouse.Warehouse;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FlrMineJobTest {
    private static final String DT = "2026-11-27";

    @TempDir
    Path tmp;

    private static Row score(String promptId, String response, double flr) {
        return RowFactory.create(promptId, List.of(RowFactory.create("user", "question " + promptId)), promptId + "/" + response,
                response, flr, 0.0, 0.0, Map.of(), -1.0, "scorer", "test", "train");
    }

    /** Writes the scores as flr-score would and runs flr-mine on them into flr_pairs with the given options. */
    private void mine(List<Row> scores, String... options) {
        SparkSession spark = TestSpark.session();
        String root = tmp.resolve("warehouse").toString();
        new Warehouse(spark, root).overwritePartition(
                spark.createDataFrame(scores, SqlTypes.of(FlrScore.getClassSchema())), "flr_scores", DT, false);
        List<String> args = new ArrayList<>(List.of("flr-mine", "--input", "flr_scores", "--output", "flr_pairs", "--dt", DT,
                "--warehouse", root));
        args.addAll(List.of(options));
        assertEquals(0, Main.run(args.toArray(String[]::new)));
    }

    @Test
    void minesBestAgainstWorstAndCountsPromptsWithoutAPair() {
        SparkSession spark = TestSpark.session();
        mine(List.of(score("p1", "fine", 0.5), score("p1", "bad", -1.0), score("p1", "great", 2.0),
                score("p2", "alone", 1.0),
                score("p3", "same a", 0.25), score("p3", "same b", 0.25),
                score("p4", "close a", 0.1), score("p4", "close b", 0.0)), "--min-margin", "0.5");

        Row pair = spark.sql("SELECT chosen, rejected, margin, score_chosen, score_rejected, source, split FROM flr_pairs").first();
        assertEquals(1, spark.sql("SELECT * FROM flr_pairs").count());
        assertEquals("great", pair.getString(0));
        assertEquals("bad", pair.getString(1));
        assertEquals(3.0, pair.getDouble(2));
        assertEquals(2.0, pair.getDouble(3));
        assertEquals(-1.0, pair.getDouble(4));
        assertEquals("flr", pair.getString(5));
        assertEquals("train", pair.getString(6));
        Map<String, String> reasons = spark.sql("SELECT prompt_id, reason FROM flr_pairs_quarantine").collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getString(0), r -> r.getString(1)));
        assertEquals("fewer than two scored responses (1)", reasons.get("p2"));
        assertEquals("all responses tie at 0.25", reasons.get("p3"));
        assertEquals("gap 0.1 below --min-margin 0.5", reasons.get("p4"));
        Row run = spark.sql("SELECT rows_in, rows_out, rows_quarantined, ties FROM job_runs WHERE job = 'flr-mine'").first();
        assertEquals(List.of(4L, 1L, 2L, 1L), List.of(run.getLong(0), run.getLong(1), run.getLong(2), run.getLong(3)));
    }

    @Test
    void severalPairsPerPromptTakeTheIthBestAgainstTheIthWorst() {
        SparkSession spark = TestSpark.session();
        mine(List.of(score("p1", "a", 3.0), score("p1", "b", 2.0), score("p1", "c", 1.0), score("p1", "d", 0.5), score("p1", "e", -1.0),
                score("p2", "x", 1.0), score("p2", "y", 0.0),
                score("p3", "same a", 0.25), score("p3", "same b", 0.25)), "--pairs-per-prompt", "3");

        // p1's five responses give two disjoint pairs (a/e, b/d; c is left over), p2 one, p3 none (tied)
        List<String> pairs = spark.sql("SELECT concat(chosen, '>', rejected) FROM flr_pairs ORDER BY 1").as(Encoders.STRING()).collectAsList();
        assertEquals(List.of("a>e", "b>d", "x>y"), pairs);
        Row run = spark.sql("SELECT rows_in, rows_out, ties FROM job_runs WHERE job = 'flr-mine'").first();
        assertEquals(List.of(3L, 2L, 1L), List.of(run.getLong(0), run.getLong(1), run.getLong(2)));
    }

    @Test
    void minimalPairsDifferOnlyWhereTheContentDiffers() {
        SparkSession spark = TestSpark.session();
        mine(List.of(score("p1", "Rome.", 3.0), score("p1", "It is Rome.", 2.0), score("p1", "It is blue.", 0.0),
                        score("p1", "Blue.", -0.5), score("p1", "I think it is Rome.", 1.0),
                        score("p2", "Rome.", 2.0), score("p2", "It is blue.", -1.0)),
                "--pairs-per-prompt", "3", "--max-edit-words", "1");

        // p1: "Rome." takes "Blue." (the lowest within one word), "It is Rome." takes "It is blue."; "I think it is Rome."
        // has nothing left within reach. p2's only pair differs in three words and is quarantined with its reason.
        List<String> pairs = spark.sql("SELECT concat(chosen, '>', rejected) FROM flr_pairs ORDER BY 1").as(Encoders.STRING()).collectAsList();
        assertEquals(List.of("It is Rome.>It is blue.", "Rome.>Blue."), pairs);
        assertEquals("no pair within --max-edit-words 1 reaches the margin (best-worst gap 3.0)",
                spark.sql("SELECT reason FROM flr_pairs_quarantine WHERE prompt_id = 'p2'").first().getString(0));
        Row run = spark.sql("SELECT rows_in, rows_out, rows_quarantined FROM job_runs WHERE job = 'flr-mine'").first();
        assertEquals(List.of(2L, 1L, 1L), List.of(run.getLong(0), run.getLong(1), run.getLong(2)));
    }
}
