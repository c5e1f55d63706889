package org.alignspark.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.alignspark.cli.JobOptions;
import org.alignspark.cli.SplitOption;
import org.alignspark.common.metrics.PairwiseAccuracy;
import org.alignspark.common.metrics.PearsonCorrelation;
import org.alignspark.common.metrics.Proportion;
import org.alignspark.warehouse.JobRun;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.alignspark.cli.OptionChecks.require;
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
    private static final StructType RESULTS = StructType.fromDDL("""
            scores_table STRING NOT NULL, labels_table STRING NOT NULL, split STRING NOT NULL, metric STRING NOT NULL,
            method STRING NOT NULL, value DOUBLE NOT NULL, n BIGINT NOT NULL""");

    @Option(names = "--scores", required = true, description = "flr-score's output table (scored from the labels table).")
    String scoresTable;

    @Option(names = "--pairs", description = "PreferencePair table with human labels (chosen preferred).")
    String pairsTable;

    @Option(names = "--ratings", description = "RatedResponse table with human ratings.")
    String ratingsTable;

    @Option(names = "--attribute", defaultValue = "helpfulness", description = "Rating correlated with the scores.")
    String attribute;

    @Mixin JobOptions job;
    @Mixin SplitOption splitOption = new SplitOption("all");

    @Override
    public Integer call() {
        String split = splitOption.split();
        require(pairsTable != null || ratingsTable != null, "give --pairs, --ratings or both");
        JobRun run = job.start(TABLE);
        Dataset<Row> scores = run.read(scoresTable).select("response_id", "flr", "direct");
        List<Row> results = new ArrayList<>();
        if (pairsTable != null) {
            Dataset<Row> pairs = run.read(pairsTable, split).select("pair_id");
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
            List<Row> joined = run.read(ratingsTable, split)
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
        run.append(run.spark().createDataFrame(results, RESULTS), TABLE);
        return 0;
    }
}
