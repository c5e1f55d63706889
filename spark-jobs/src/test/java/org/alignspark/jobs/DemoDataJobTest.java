package org.alignspark.jobs;

import java.nio.file.Path;
import java.util.List;

import org.alignspark.flr.FollowUps;
import org.alignspark.Main;
import org.alignspark.data.demo.DemoWorld;
import org.alignspark.testing.TestSpark;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoDataJobTest {
    private static final String DT = "2026-11-27";

    @TempDir
    Path tmp;

    private List<Row> world(String warehouse, String prefix) {
        assertEquals(0, Main.run("demo-data", "--dt", DT, "--prefix", prefix, "--dialogues", "200", "--pairs", "32",
                "--warehouse", warehouse));
        return TestSpark.session().sql("SELECT * FROM " + prefix + "_scorer_dialogues ORDER BY dialogue_id, completion").collectAsList();
    }

    @Test
    void theWorldIsTheSameEveryTimeAndItsUsersReactToCorrectness() {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        List<Row> first = world(warehouse, "demo_a");
        assertEquals(200, first.size());
        assertEquals(first, world(warehouse, "demo_b"));

        assertEquals(32, spark.sql("SELECT DISTINCT pair_id FROM demo_a_pairs").count());
        for (Row pair : spark.sql("SELECT prompt[0].content, chosen, rejected FROM demo_a_pairs").collectAsList()) {
            DemoWorld.Fact fact = DemoWorld.FACTS.stream().filter(f -> f.question().equals(pair.getString(0))).findFirst().orElseThrow();
            assertTrue(pair.getString(1).toLowerCase().contains(fact.answer().toLowerCase()), pair.toString());
            assertTrue(!pair.getString(2).toLowerCase().contains(fact.answer().toLowerCase()), pair.toString());
        }
        // Correct answers draw positive follow-ups only: none of the world's positive sentences follows a wrong answer.
        List<String> positives = FollowUps.read("demo-world").stream().filter(FollowUps.FollowUp::positive)
                .map(FollowUps.FollowUp::text).toList();
        for (Row d : spark.sql("SELECT prompt[1].content, prompt[2].content, completion FROM demo_a_scorer_dialogues").collectAsList()) {
            DemoWorld.Fact fact = DemoWorld.FACTS.stream().filter(f -> f.question().equals(d.getString(0))).findFirst().orElseThrow();
            boolean correct = d.getString(1).toLowerCase().contains(fact.answer().toLowerCase());
            assertEquals(correct, positives.contains(d.getString(2)), d.toString());
        }
        assertEquals(DemoWorld.FACTS.size(), spark.sql("SELECT * FROM demo_a_candidates").count());
    }

    @Test
    void policyDialoguesAnswerTheWorldsQuestionsRightAtTheGivenShareAndPairsHoldOutQuestions() {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        assertEquals(0, Main.run("demo-data", "--dt", DT, "--prefix", "demo_p", "--dialogues", "10", "--pairs", "64",
                "--pairs-test-fraction", "0.25", "--policy-dialogues", "400", "--policy-correct-share", "0.7",
                "--arithmetic-traces", "0", "--warehouse", warehouse));
        List<Row> dialogues = spark.sql("SELECT prompt, completion FROM demo_p_policy_sft").collectAsList();
        assertEquals(400, dialogues.size());
        long correct = 0;
        for (Row d : dialogues) {
            List<Row> prompt = d.getList(0);
            assertEquals(1, prompt.size());
            DemoWorld.Fact fact = DemoWorld.FACTS.stream().filter(f -> f.question().equals(prompt.get(0).getAs("content")))
                    .findFirst().orElseThrow();
            correct += d.getString(1).toLowerCase().contains(fact.answer().toLowerCase()) ? 1 : 0;
        }
        assertTrue(correct > 0.6 * 400 && correct < 0.8 * 400, correct + " of 400 right");

        // Held-out questions: every question's pairs lie on one side, and both sides have some.
        List<Row> splits = spark.sql("SELECT prompt_id, count(DISTINCT split) AS sides, first(split) AS split FROM demo_p_pairs "
                + "GROUP BY prompt_id").collectAsList();
        assertTrue(splits.stream().allMatch(r -> r.getLong(1) == 1), splits.toString());
        assertTrue(splits.stream().anyMatch(r -> r.getString(2).equals("test")) && splits.stream().anyMatch(r -> r.getString(2).equals("train")),
                splits.toString());
    }
}
