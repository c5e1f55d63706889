package org.alignspark.jobs;

import java.nio.file.Path;
import java.util.List;

import org.alignspark.Main;
import org.alignspark.data.demo.DemoWorld;
import org.alignspark.testing.TestSpark;
import org.alignspark.testing.TinyModels;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuidanceSweepJobTest {
    private static final String DT = "2026-11-27";

    @TempDir
    Path tmp;

    @Test
    void writesOneCurvePointPerWeightAndWeightZeroIsPlainGenerate() {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        assertEquals(0, Main.run("demo-data", "--dt", DT, "--prefix", "sweep", "--dialogues", "0", "--pairs", "0",
                "--warehouse", warehouse));
        Path policy = TinyModels.gpt2(tmp.resolve("policy"), 3);
        Path base = TinyModels.gpt2(tmp.resolve("base"), 4);
        assertEquals(0, Main.run("guidance-sweep", "--prompts", "sweep_candidates", "--dt", DT, "--policy", policy.toString(),
                "--guidance-base", base.toString(), "--weights", "0,4", "--k", "2", "--max-new-tokens", "6",
                "--seed", "9", "--warehouse", warehouse));

        List<Row> curve = spark.sql("SELECT * FROM guidance_sweep ORDER BY weight").collectAsList();
        assertEquals(2, curve.size());
        assertEquals(List.of(0.0, 4.0), curve.stream().map(r -> r.<Double>getAs("weight")).toList());
        assertEquals("guidance_weight", curve.get(0).getAs("sweep"));
        assertTrue(curve.get(1).<String>getAs("settings").contains("gamma=4.0"));
        assertEquals(base.toString(), curve.get(0).getAs("coherence_model"));
        for (Row r : curve) {
            assertEquals((long) DemoWorld.FACTS.size(), r.<Long>getAs("prompts"));
            assertEquals(2L * DemoWorld.FACTS.size(), r.<Long>getAs("samples"));
            assertTrue(r.<Double>getAs("mean_logprob") < 0);
        }

        // the same seed draws the same samples at every weight unless the weight moves the distribution: γ = 4 must
        // change what is sampled (a sweep that ignored its weight would write the same numbers twice)
        assertNotEquals(curve.get(0).<Double>getAs("mean_logprob"), curve.get(1).<Double>getAs("mean_logprob"));

        // weight 0 is plain sampling: the same numbers as generate + diversity with the same seed
        assertEquals(0, Main.run("generate", "--prompts", "sweep_candidates", "--dt", DT, "--policy", policy.toString(),
                "--output", "plain", "--k", "2", "--max-new-tokens", "6", "--seed", "9", "--warehouse", warehouse));
        assertEquals(0, Main.run("diversity", "--input", "plain", "--dt", DT, "--warehouse", warehouse));
        Row plain = spark.sql("SELECT * FROM plain_diversity WHERE scope = 'overall'").first();
        for (String[] column : new String[][] {{"distinct_1", "distinct_1"}, {"distinct_2", "distinct_2"},
                {"self_bleu", "self_bleu"}, {"answer_collapse", "answer_collapse_rate"}, {"reference_accuracy", "reference_accuracy"}}) {
            assertEquals(plain.<Double>getAs(column[0]), curve.get(0).<Double>getAs(column[1]), 1e-12, column[1]);
        }
    }
}
