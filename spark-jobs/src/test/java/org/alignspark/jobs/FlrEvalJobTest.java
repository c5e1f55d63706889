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
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FlrEvalJobTest {
    private static final String DT = "2026-11-27";

    @TempDir
    Path tmp;

    private static Row score(String responseId, double flr, double direct) {
        return RowFactory.create("p", List.of(RowFactory.create("user", "q")), responseId, "r", flr, 0.0, 0.0, Map.of(), direct,
                "scorer", "test", "train");
    }

    @Test
    void pairwiseAccuracyCountsTiesAsWrongAndPearsonFollowsTheRatings() {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        assertEquals(0, Main.run("ingest", "--format", "hh-rlhf", "--input", TestSpark.samples("hh-rlhf.jsonl.gz").toString(),
                "--dataset", "hh", "--dt", DT, "--warehouse", warehouse));
        assertEquals(0, Main.run("ingest", "--format", "helpsteer2-ratings", "--input",
                TestSpark.samples("helpsteer2-ratings.jsonl").toString(), "--dataset", "rated", "--dt", DT, "--warehouse", warehouse));
        List<String> pairIds = spark.sql("SELECT pair_id FROM hh ORDER BY pair_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
        // FLR right on pairs 0-2 and tied on 3 (3/4); Direct right on pair 0 only (1/4).
        double[][] flr = {{1, 0}, {2, 1}, {0.5, -3}, {1, 1}};
        double[][] direct = {{-1, -2}, {-3, -1}, {-2, -1}, {-1, -1}};
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            rows.add(score(pairIds.get(i) + ":chosen", flr[i][0], direct[i][0]));
            rows.add(score(pairIds.get(i) + ":rejected", flr[i][1], direct[i][1]));
        }
        for (Row rated : spark.sql("SELECT rating_id, ratings['helpfulness'] FROM rated").collectAsList()) {
            rows.add(score(rated.getString(0), 2 * rated.getDouble(1) + 1, -rated.getDouble(1)));
        }
        new Warehouse(spark, warehouse).overwritePartition(
                spark.createDataFrame(rows, SqlTypes.of(FlrScore.getClassSchema())), "scores", DT, false);

        assertEquals(0, Main.run("flr-eval", "--scores", "scores", "--pairs", "hh", "--ratings", "rated", "--dt", DT,
                "--warehouse", warehouse));

        Map<String, Double> results = spark.sql("SELECT metric, method, value FROM flr_eval").collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getString(0) + "/" + r.getString(1), r -> r.getDouble(2)));
        assertEquals(0.75, results.get("pairwise_accuracy/flr"), 1e-12);
        assertEquals(0.25, results.get("pairwise_accuracy/direct"), 1e-12);
        assertEquals(1.0, results.get("pearson_helpfulness/flr"), 1e-12);
        assertEquals(-1.0, results.get("pearson_helpfulness/direct"), 1e-12);
    }
}
