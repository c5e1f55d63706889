package org.alignspark.jobs;

import java.nio.file.Path;
import java.util.List;

import org.alignspark.Main;
import org.alignspark.testing.TestSpark;
import org.alignspark.warehouse.Warehouse;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RewardTransformJobTest {
    private static final String DT = "2026-11-27";

    @TempDir
    Path tmp;

    @Test
    void transformsAgainstTheReferenceQuantileAndSumsOverRewardModels() {
        SparkSession spark = TestSpark.session();
        String root = tmp.resolve("warehouse").toString();
        Warehouse warehouse = new Warehouse(spark, root);
        StructType rewards = new StructType().add("prompt_id", DataTypes.StringType).add("response_id", DataTypes.StringType)
                .add("reward_model", DataTypes.StringType).add("reward", DataTypes.DoubleType);
        StructType references = new StructType().add("prompt_id", DataTypes.StringType)
                .add("reward_model", DataTypes.StringType).add("reward", DataTypes.DoubleType);
        warehouse.overwritePartition(spark.createDataFrame(List.of(
                RowFactory.create("p1", "r1", "a", 3.0),
                RowFactory.create("p1", "r1", "b", 0.0),
                RowFactory.create("p1", "r2", "a", 2.0),
                RowFactory.create("p2", "r3", "a", 1.0)), rewards), "rm_rewards", DT, false);
        warehouse.overwritePartition(spark.createDataFrame(List.of(
                RowFactory.create("p1", "a", 1.0), RowFactory.create("p1", "a", 2.0), RowFactory.create("p1", "a", 3.0),
                RowFactory.create("p1", "b", 0.0), RowFactory.create("p1", "b", 4.0)), references), "ref_rewards", DT, false);

        assertEquals(0, Main.run("reward-transform", "--rewards", "rm_rewards", "--reference-rewards", "ref_rewards",
                "--output", "lsc", "--dt", DT, "--reference-rule", "quantile=0.5", "--warehouse", root));

        // Medians: r_ref,a(p1) = 2, r_ref,b(p1) = 2. u = log σ(r − 2): log σ(1) = −0.313262, log σ(−2) = −2.126928,
        // log σ(0) = −0.693147.
        assertEquals(-0.313262, u(spark, "SELECT u FROM lsc WHERE response_id = 'r1' AND reward_model = 'a'"), 1e-6);
        assertEquals(-2.126928, u(spark, "SELECT u FROM lsc WHERE response_id = 'r1' AND reward_model = 'b'"), 1e-6);
        assertEquals(-0.693147, u(spark, "SELECT u FROM lsc WHERE response_id = 'r2'"), 1e-6);
        // Only r1 has both models: u = −0.313262 − 2.126928.
        assertEquals(1, spark.sql("SELECT * FROM lsc_combined").count());
        assertEquals(-2.440190, u(spark, "SELECT u FROM lsc_combined WHERE response_id = 'r1'"), 1e-6);
        Row quarantined = spark.sql("SELECT response_id, reason FROM lsc_quarantine").first();
        assertEquals("r3", quarantined.getString(0));
        assertEquals("no reference-policy rewards for this prompt and reward model", quarantined.getString(1));
    }

    private static double u(SparkSession spark, String sql) {
        return spark.sql(sql).first().getDouble(0);
    }
}
