package org.alignspark.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.alignspark.cli.PartitionOption;
import org.alignspark.cli.SplitOption;
import org.alignspark.cli.WarehouseOption;
import org.alignspark.common.metrics.PairwiseAccuracy;
import org.alignspark.common.metrics.PearsonCorrelation;
import org.alignspark.common.metrics.Proportion;
import org.alignspark.warehouse.Warehouse;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

/**
 * {@code flr-eval}: how well FLR and the Direct baseline agree with human labels — pairwise accuracy on a pair table
 * (chosen must score strictly higher; ties count as wrong), Pearson correlation with one attribute of a rating table.
 * Results go to the {@code flr_eval} table (one row per metric and method).
 */
@Command(name = "flr-eval", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Pairwise accuracy (pairs) and Pearson correlation (ratings) of FLR and Direct against human labels.")
public final class FlrEvalJob implements Callable<Integer> {
    static final String TABLE = "flr_eval";
    private static final StructType RESULTS = new StructType()
            .add("scores_table", DataTypes.StringType, false)
            .add("labels_table", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("metric", DataTypes.StringType, false)
            .add("method", DataTypes.StringType, false)
            .add("value", DataTypes.DoubleType, false)
            .add("n", DataTypes.LongType, false);

    @Option(names = "--scores", required = true, description = "flr-score's output table (scored from the labels table).")
    String scoresTable;

    @Option(names = "--pairs", description = "PreferencePair table with human labels (chosen preferred).")
    String pairsTable;

    @Option(names = "--ratings", description = "RatedResponse table with human ratings.")
    String ratingsTable;

    @Option(names = "--attribute", defaultValue = "helpfulness", description = "Rating correlated with the scores.")
    String attribute;

    @Mixin PartitionOption partition;
    @Mixin SplitOption splitOption = SplitOption.defaultingTo("all");
    @Mixin WarehouseOption warehouseOption;

    @Override
    public Integer call() {
        String dt = partition.dt();
        String split = splitOption.split();
        if (pairsTable == null && ratingsTable == null) {
            throw new IllegalArgumentException("give --pairs, --ratings or both");
        }
        if (!List.of("train", "test", "all").contains(split)) {
            throw new IllegalArgumentException("--split must be train, test or all, got '" + split + "'");
        }
        Warehouse warehouse = warehouseOption.open("alignspark flr-eval");
        SparkSession spark = warehouse.spark();
        Dataset<Row> scores = warehouse.partition(scoresTable, dt).select("response_id", "flr", "direct");
        List<Row> results = new ArrayList<>();
        if (pairsTable != null) {
            Dataset<Row> pairs = warehouse.partition(pairsTable, dt, split).select("pair_id");
            List<Row> joined = pairs
                    .join(scores.withColumnRenamed("flr", "flr_chosen").withColumnRenamed("direct", "direct_chosen"),
                            concat(col("pair_id"), lit(":chosen")).equalTo(col("response_id"))).drop("response_id")
                    .join(scores.withColumnRenamed("flr", "flr_rejected").withColumnRenamed("direct", "direct_rejected"),
                            concat(col("pair_id"), lit(":rejected")).equalTo(col("response_id")))
                    .select("flr_chosen", "flr_rejected", "direct_chosen", "direct_rejected").collectAsList();
            long labelled = pairs.count();
            if (joined.size() < labelled) {
                System.out.printf("%d of %d pairs have no scores for both sides in %s and are not counted%n",
                        labelled - joined.size(), labelled, scoresTable);
            }
            for (String method : new String[]{"flr", "direct"}) {
                int c = method.equals("flr") ? 0 : 2;
                Proportion accuracy = PairwiseAccuracy.of(joined.stream().mapToDouble(r -> r.getDouble(c)).toArray(),
                        joined.stream().mapToDouble(r -> r.getDouble(c + 1)).toArray());
                results.add(RowFactory.create(scoresTable, pairsTable, split, "pairwise_accuracy", method, accuracy.value(), accuracy.trials()));
                System.out.printf(Locale.ROOT, "pairwise accuracy of %-6s %.4f (95%% Wilson %s) on %d pairs%n", method,
                        accuracy.value(), accuracy.wilson95(), accuracy.trials());
            }
        }
        if (ratingsTable != null) {
            List<Row> joined = warehouse.partition(ratingsTable, dt, split)
                    .select(col("rating_id"), col("ratings").getItem(attribute).as("rating"))
                    .filter(col("rating").isNotNull())
                    .join(scores, col("rating_id").equalTo(col("response_id")))
                    .select("rating", "flr", "direct").collectAsList();
            double[] ratings = joined.stream().mapToDouble(r -> r.getDouble(0)).toArray();
            for (String method : new String[]{"flr", "direct"}) {
                int c = method.equals("flr") ? 1 : 2;
                double r = PearsonCorrelation.of(joined.stream().mapToDouble(x -> x.getDouble(c)).toArray(), ratings);
                results.add(RowFactory.create(scoresTable, ratingsTable, split, "pearson_" + attribute, method, r, (long) joined.size()));
                System.out.printf(Locale.ROOT, "Pearson r of %-6s with %s: %.4f on %d responses%n", method, attribute, r, joined.size());
            }
        }
        warehouse.appendPartition(spark.createDataFrame(results, RESULTS), TABLE, dt);
        return 0;
    }
}
