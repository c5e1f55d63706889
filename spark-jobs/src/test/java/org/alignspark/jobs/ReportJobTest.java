package org.alignspark.jobs;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.alignspark.testing.SqlTypes;
import org.alignspark.Main;
import org.alignspark.data.avro.FlrScore;
import org.alignspark.report.HtmlPage;
import org.alignspark.warehouse.AvroColumns;
import org.alignspark.warehouse.RunRecord;
import org.alignspark.testing.TestSpark;
import org.alignspark.warehouse.Warehouse;
import org.alignspark.train.ParameterAveraging;
import org.alignspark.train.TrainingMetricsTable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The nightly report over a small warehouse built through the real jobs where they are cheap (ingest of broken lines,
 * flr-mine) and with the exact schemas of the others' outputs (CHES, training_metrics through its own writer, eval-rm,
 * eval-policy); self-correction, diversity and guidance-sweep tables are left absent.
 */
class ReportJobTest {
    private static final String DT = "2026-11-27";
    /** A second night with only the self-correction, diversity and guidance-sweep tables. */
    private static final String DT2 = "2026-11-28";

    @TempDir
    static Path tmp;

    private static SparkSession spark;
    private static String root;
    private static Path reportDir;
    private static String html;
    private static Path reportDir2;
    private static String html2;

    @BeforeAll
    static void buildWarehouseAndRender() throws IOException {
        spark = TestSpark.session();
        root = tmp.resolve("warehouse").toString();
        Warehouse warehouse = new Warehouse(spark, root);

        Path broken = tmp.resolve("broken.jsonl");
        Files.copy(Path.of(ReportJobTest.class.getResource("/broken/broken-lines.jsonl").getPath()), broken);
        assertEquals(0, Main.run("ingest", "--format", "trl", "--input", broken.toString(), "--dataset", "raw_pairs",
                "--dt", DT, "--warehouse", root, "--max-quarantine-fraction", "1"));

        // Ten prompts with four scored responses each (FLR spread apart), one prompt with a single response.
        List<Row> scores = new ArrayList<>();
        for (int p = 0; p < 10; p++) {
            for (int k = 0; k < 4; k++) {
                scores.add(score("p" + p, "answer " + k + " to " + p, (k - 1.5) * (1 + p / 10.0)));
            }
        }
        scores.add(score("lonely", "only answer", 0.3));
        warehouse.overwritePartition(spark.createDataFrame(scores, SqlTypes.of(FlrScore.getClassSchema())),
                "flr_scores", DT, false);
        assertEquals(0, Main.run("flr-mine", "--input", "flr_scores", "--output", "flr_pairs", "--dt", DT, "--warehouse", root));

        // ches' output: the pairs with their scores; the four most similar go to _ches_removed.
        Dataset<Row> pairs = warehouse.partition("flr_pairs", DT).drop(Warehouse.PARTITION_COLUMN)
                .withColumn("ches", col("score_chosen").multiply(lit(3.0)))
                .withColumn("ln_ches", col("score_chosen").divide(lit(10.0)));
        warehouse.overwritePartition(pairs.filter(col("ln_ches").leq(lit(0.25))), "ches_pairs", DT, false);
        warehouse.overwritePartition(pairs.filter(col("ln_ches").gt(lit(0.25))), "ches_pairs_ches_removed", DT, false);

        TrainingMetricsTable rm = new TrainingMetricsTable(spark, warehouse, "bt", DT);
        TrainingMetricsTable policy = new TrainingMetricsTable(spark, warehouse, "sigmoid", DT);
        for (int round = 1; round <= 6; round++) {
            rm.onRound(new ParameterAveraging.RoundMetrics("rm", round, 0, round * 4L, 32, 1024, 0.7 / round, 1e-3, 0.5,
                    Map.of("accuracy", 0.5 + round / 20.0, "margin", round / 10.0), 1.0, 0.8));
            policy.onRound(new ParameterAveraging.RoundMetrics("policy", round, 0, round * 4L, 32, 1024, 0.69 - round / 100.0,
                    1e-4, 0.2, Map.of("rewards/accuracies", 0.4 + round / 15.0, "rewards/margins", round / 50.0), 1.0, 0.8));
        }
        rm.onCheckpoint(6);
        policy.onCheckpoint(6);

        StructType rewards = new StructType().add("pair_id", DataTypes.StringType, false).add("prompt_id", DataTypes.StringType, false)
                .add("reward_chosen", DataTypes.DoubleType, false).add("reward_rejected", DataTypes.DoubleType, false)
                .add("reward_margin", DataTypes.DoubleType, false).add("correct", DataTypes.BooleanType, false)
                .add("reward_model", DataTypes.StringType, false);
        List<Row> evals = new ArrayList<>();
        double[][] rc = {{1.0, 0.2}, {0.4, 0.9}, {2.0, -1.0}, {0.3, 0.1}};   // 3 of 4 correct
        for (int i = 0; i < rc.length; i++) {
            evals.add(RowFactory.create("pair" + i, "p" + i, rc[i][0], rc[i][1], rc[i][0] - rc[i][1], rc[i][0] > rc[i][1], "rm-v1"));
        }
        warehouse.overwritePartition(spark.createDataFrame(evals, rewards), "rm_eval", DT, false);

        StructType results = new StructType().add("policy", DataTypes.StringType, false).add("metric", DataTypes.StringType, false)
                .add("value", DataTypes.DoubleType, false).add("n", DataTypes.LongType, false);
        warehouse.appendPartition(spark.createDataFrame(List.of(
                RowFactory.create("models/policy", "implicit_reward_accuracy", 0.8125, 16L),
                RowFactory.create("models/policy", "implicit_reward_margin", 0.4321, 16L),
                RowFactory.create("models/policy", "win_rate_vs_reference", 0.6875, 8L)), results), "policy_eval", DT);

        // A run record that does not add up, which the page must flag.
        new RunRecord("broken-run", "flr-score", "flr_scores", DT, 44, 40, 0, 0, 0, Instant.now(), Instant.now(),
                RunRecord.SUCCEEDED, null, 0)
                .append(warehouse);

        reportDir = tmp.resolve("report");
        assertEquals(0, Main.run("report", "--dt", DT, "--run", "nightly-42", "--output", reportDir.toString(),
                "--bins", "12", "--warehouse", root));
        html = Files.readString(reportDir.resolve("index.html"), StandardCharsets.UTF_8);

        writeSelfCorrectionDiversityAndSweep(warehouse);
        reportDir2 = tmp.resolve("report2");
        assertEquals(0, Main.run("report", "--dt", DT2, "--output", reportDir2.toString(), "--warehouse", root));
        html2 = Files.readString(reportDir2.resolve("index.html"), StandardCharsets.UTF_8);
    }

    /**
     * Tables with the schemas their jobs write: self_correction_metrics (self-correct-eval's METRICS_SCHEMA),
     * candidates_diversity (DiversityJob.SCHEMA) and guidance_sweep (GuidanceSweepJob.SCHEMA).
     */
    private static void writeSelfCorrectionDiversityAndSweep(Warehouse warehouse) {
        StructType metrics = new StructType()
                .add("policy", DataTypes.StringType, false).add("prompts_table", DataTypes.StringType, false)
                .add("traces_table", DataTypes.StringType, false).add("split", DataTypes.StringType, false)
                .add("k", DataTypes.IntegerType, false).add("temperature", DataTypes.DoubleType, false)
                .add("verifier", DataTypes.StringType, false).add("instruction", DataTypes.StringType, false)
                .add("groups", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType), true)
                .add("problems", DataTypes.LongType, false)
                .add("correct_to_correct", DataTypes.LongType, false).add("correct_to_incorrect", DataTypes.LongType, false)
                .add("incorrect_to_correct", DataTypes.LongType, false).add("incorrect_to_incorrect", DataTypes.LongType, false);
        for (String name : List.of("acc_t1", "acc_t1_low", "acc_t1_high", "acc_t2", "acc_t2_low", "acc_t2_high", "delta",
                "delta_i2c", "delta_i2c_low", "delta_i2c_high", "delta_c2i", "delta_c2i_low", "delta_c2i_high",
                "cl", "cl_low", "cl_high", "cs", "cs_low", "cs_high", "rss",
                "sampled_acc_t1", "sampled_acc_t2", "sampled_cl", "sampled_cs", "sampled_rss")) {
            metrics = metrics.add(name, DataTypes.DoubleType, true);
        }
        metrics = metrics.add("evaluated_at", DataTypes.TimestampType, false);
        // 40 problems: 20 right twice, 2 right then wrong, 8 fixed, 10 wrong twice.
        List<Object> values = new ArrayList<>(java.util.Arrays.asList("models/score-policy", "arith", "arith_traces", "test", 1, 0.0, "exact",
                "score", null, 40L, 20L, 2L, 8L, 10L, 0.55, 0.4, 0.69, 0.7, 0.55, 0.82, 0.15, 0.2, 0.1, 0.35, 0.05, 0.01, 0.17,
                0.9091, 0.72, 0.97, 0.4444, 0.25, 0.66, 0.5));
        for (int i = 0; i < 5; i++) {
            values.add(null);
        }
        values.add(java.sql.Timestamp.from(Instant.now()));
        warehouse.appendPartition(spark.createDataFrame(List.of(RowFactory.create(values.toArray())), metrics),
                "self_correction_metrics", DT2);

        StructType diversity = new StructType()
                .add("scope", DataTypes.StringType, false).add("prompt_id", DataTypes.StringType, true)
                .add("samples", DataTypes.LongType, false).add("distinct_1", DataTypes.DoubleType, true)
                .add("distinct_2", DataTypes.DoubleType, true).add("self_bleu", DataTypes.DoubleType, true)
                .add("distinct_answers", DataTypes.DoubleType, true).add("answer_collapse", DataTypes.DoubleType, true)
                .add("reference_accuracy", DataTypes.DoubleType, true);
        List<Row> rows = new ArrayList<>();
        for (int p = 0; p < 8; p++) {
            rows.add(RowFactory.create("prompt", "p" + p, 4L, 0.5 + p / 20.0, 0.6 + p / 25.0, 0.4 - p / 30.0, 2.0, p % 2 == 0 ? 1.0 : 0.0, 0.5));
        }
        rows.add(RowFactory.create("overall", null, 32L, 0.675, 0.74, 0.2833, 2.0, 0.5, 0.5));
        warehouse.overwritePartition(spark.createDataFrame(rows, diversity), "candidates_diversity", DT2, false);

        StructType sweep = new StructType()
                .add("run_id", DataTypes.StringType, false).add("sweep", DataTypes.StringType, false)
                .add("weight", DataTypes.DoubleType, false).add("settings", DataTypes.StringType, false)
                .add("prompts", DataTypes.LongType, false).add("samples", DataTypes.LongType, false)
                .add("reference_accuracy", DataTypes.DoubleType, true).add("mean_logprob", DataTypes.DoubleType, true)
                .add("coherence_model", DataTypes.StringType, false).add("distinct_1", DataTypes.DoubleType, true)
                .add("distinct_2", DataTypes.DoubleType, true).add("self_bleu", DataTypes.DoubleType, true)
                .add("answer_collapse_rate", DataTypes.DoubleType, true);
        List<Row> curve = new ArrayList<>();
        for (double w : new double[]{0.0, 0.5, 1.0, 2.0, 4.0}) {
            curve.add(RowFactory.create("sweep-1", "guidance_weight", w, "steer", 8L, 32L, 0.9 - w / 10, -1.2 - w / 5, "models/policy",
                    0.4 + w / 10, 0.5 + w / 10, 0.5 - w / 10, 0.4 - w / 20));
        }
        warehouse.appendPartition(spark.createDataFrame(curve, sweep), "guidance_sweep", DT2);
    }

    private static Row score(String promptId, String response, double flr) {
        return RowFactory.create(promptId, List.of(RowFactory.create("user", "question " + promptId)), promptId + "/" + response,
                response, flr, 0.0, 0.0, Map.of(), -1.0, "scorer", "test", "train");
    }

    private static String section(String id) {
        return section(html, id);
    }

    private static String section(String page, String id) {
        Matcher m = Pattern.compile("<section id=\"" + id + "\">(.*?)</section>", Pattern.DOTALL).matcher(page);
        assertTrue(m.find(), "section " + id + " is missing");
        return m.group(1);
    }

    private static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    @Test
    void headerNamesTheRunAndTheDate() {
        assertTrue(html.contains("nightly-42"));
        assertTrue(html.contains("<td>dt</td><td>" + DT + "</td>"));
    }

    @Test
    void jobsSectionListsEveryRunOfTheDateAndFlagsTheUnbalancedOne() {
        String jobs = section("jobs");
        List<Row> runs = spark.sql("SELECT job, rows_in, rows_out, rows_quarantined FROM job_runs WHERE dt = '" + DT + "'").collectAsList();
        assertEquals(3, runs.size());
        for (Row r : runs) {
            assertTrue(jobs.contains("<td>" + r.getString(0) + "</td>"), r.getString(0));
            assertTrue(jobs.contains("<td class=\"num\">" + r.getLong(1) + "</td><td class=\"num\">" + r.getLong(2)
                    + "</td><td class=\"num\">" + r.getLong(3) + "</td>"), "counts of " + r.getString(0));
        }
        assertTrue(jobs.contains("UNBALANCED: 4 rows missing"));
        assertTrue(jobs.contains("1 of 3 runs are UNBALANCED"));
        assertTrue(jobs.contains("src=\"row_counts.png\""));
        assertTrue(jobs.contains("FROM job_runs WHERE dt = '" + DT + "'"), "the section's SQL");
    }

    @Test
    void quarantineSectionGroupsReasonsPerTable() {
        String quarantine = section("quarantine");
        for (Row r : spark.sql("SELECT reason, count(*) FROM raw_pairs_quarantine WHERE dt = '" + DT + "' GROUP BY reason").collectAsList()) {
            assertTrue(quarantine.contains("<td>" + HtmlPage.escape(r.getString(0)) + "</td><td class=\"num\">" + r.getLong(1) + "</td>"),
                    r.getString(0));
        }
        assertTrue(quarantine.contains("<h3>flr_pairs_quarantine: 1 rows, 1 reasons</h3>"));
        assertTrue(quarantine.contains("fewer than two scored responses (1)"));
    }

    @Test
    void flrSectionComparesChosenAndRejected() {
        String flr = section("flr");
        Row chosen = spark.sql("SELECT count(*), avg(score_chosen), max(score_chosen), avg(score_rejected) FROM flr_pairs WHERE dt = '"
                + DT + "'").first();
        assertEquals(10, chosen.getLong(0));
        assertTrue(flr.contains("<td>chosen</td><td class=\"num\">10</td><td class=\"num\">" + f4(chosen.getDouble(1))));
        assertTrue(flr.contains(f4(chosen.getDouble(2))));
        assertTrue(flr.contains(f4(chosen.getDouble(3))));
        assertTrue(flr.contains("<td class=\"num\">41</td><td class=\"num\">11</td>"), "responses and prompts of flr_scores");
        assertTrue(flr.contains("src=\"flr_chosen_rejected.png\""));
    }

    @Test
    void chesSectionDrawsTheCutAtTheHighestKeptScore() {
        String ches = section("ches");
        double cut = spark.sql("SELECT max(ln_ches) FROM ches_pairs").first().getDouble(0);
        long removed = spark.sql("SELECT count(*) FROM ches_pairs_ches_removed").first().getLong(0);
        assertTrue(removed > 0);
        assertTrue(ches.contains("Cut at ln_ches = " + f4(cut) + ": " + (10 - removed) + " pairs kept, " + removed + " removed."), ches);
        assertTrue(ches.contains("src=\"ches_histogram.png\""));
    }

    @Test
    void trainingSectionPlotsLossAccuraciesAndMarginsOfBothRuns() {
        String training = section("training");
        assertTrue(training.contains(f4(0.7 / 6)), "final loss of the reward model");
        assertTrue(training.contains(f4(0.5 + 6 / 20.0)), "final accuracy of the reward model");
        assertTrue(training.contains(f4(0.4 + 6 / 15.0)), "final rewards/accuracies of the policy");
        for (String png : List.of("rm_loss.png", "rm_accuracies.png", "rm_margins.png", "policy_loss.png",
                "policy_accuracies.png", "policy_margins.png")) {
            assertTrue(training.contains("src=\"" + png + "\""), png);
        }
    }

    @Test
    void evaluationSectionsShowAccuracyAndWinRate() {
        String rm = section("reward-model");
        assertTrue(rm.contains("<td>rm-v1</td><td class=\"num\">4</td><td class=\"num\">0.7500</td>"), rm);
        assertTrue(rm.contains(f4((0.8 - 0.5 + 3.0 + 0.2) / 4)), "mean margin");
        String policy = section("policy");
        assertTrue(policy.contains("<td>win_rate_vs_reference</td><td class=\"num\">0.6875</td>"));
        assertTrue(policy.contains("<td>implicit_reward_accuracy</td><td class=\"num\">0.8125</td>"));
    }

    @Test
    void sectionsWhoseTablesAreAbsentSayNotRunForThisDate() {
        for (String id : List.of("self-correction", "diversity", "guidance-sweep")) {
            assertTrue(section(id).contains("Not run for this date"), id);
        }
        for (String id : List.of("jobs", "flr", "ches", "training", "reward-model", "policy")) {
            assertFalse(section(id).contains("Not run for this date"), id);
        }
    }

    @Test
    void selfCorrectionDiversityAndSweepSectionsReadTheirProducersTables() {
        String selfCorrection = section(html2, "self-correction");
        assertTrue(selfCorrection.contains("<td>models/score-policy</td><td>test</td><td class=\"num\">40</td><td class=\"num\">0.5500</td>"
                + "<td>[0.4000, 0.6900]</td><td class=\"num\">0.7000</td>"), selfCorrection);
        assertTrue(selfCorrection.contains("<td class=\"num\">20</td><td class=\"num\">2</td><td class=\"num\">8</td><td class=\"num\">10</td>"));
        assertTrue(selfCorrection.contains("<td>arith_traces</td><td class=\"num\">0.9091</td><td>[0.7200, 0.9700]</td>"
                + "<td class=\"num\">0.4444</td><td>[0.2500, 0.6600]</td><td class=\"num\">0.5000</td>"), selfCorrection);
        assertTrue(selfCorrection.contains("src=\"self_correction.png\""));
        String diversity = section(html2, "diversity");
        assertTrue(diversity.contains("<td class=\"num\">32</td><td class=\"num\">0.6750</td><td class=\"num\">0.7400</td>"
                + "<td class=\"num\">0.2833</td>"), diversity);
        assertTrue(diversity.contains("src=\"diversity.png\""));
        String sweep = section(html2, "guidance-sweep");
        assertTrue(sweep.contains("<td>sweep-1</td><td>guidance_weight</td><td class=\"num\">4.0000</td>"), sweep);
        assertTrue(sweep.contains("src=\"guidance_sweep.png\"") && sweep.contains("src=\"guidance_sweep_logprob.png\""));
        for (String id : List.of("jobs", "flr", "ches", "reward-model", "policy")) {
            assertTrue(section(html2, id).contains("Not run for this date"), id);
        }
        assertTrue(section(html2, "training").contains("Not run for this date"));
    }

    @Test
    void everyChartIsAReadablePngWithContent() throws IOException {
        int charts = 0;
        for (Path dir : List.of(reportDir, reportDir2)) {
            Matcher m = Pattern.compile("<img src=\"([^\"]+)\"").matcher(Files.readString(dir.resolve("index.html")));
            while (m.find()) {
                Path png = dir.resolve(m.group(1));
                assertTrue(Files.size(png) > 5_000, png + " is " + Files.size(png) + " bytes");
                BufferedImage image = ImageIO.read(png.toFile());
                assertTrue(image.getWidth() >= 700 && image.getHeight() >= 300, png.toString());
                assertTrue(lumaStdDev(image) > 10, png + " looks blank");
                charts++;
            }
        }
        assertEquals(11 + 4, charts);
    }

    /**
     * Headless Chromium renders the page with its charts. CI installs chromium (.ci/run); there, a missing browser fails
     * the test. On a developer machine without it the test is skipped with the install command.
     */
    @Test
    void chromiumRendersThePageWithItsCharts() throws Exception {
        String browser = findChromium();
        if (browser == null) {
            if (System.getenv("CI") != null) {
                fail("chromium is not installed: the screenshot test needs Debian's chromium package (.ci/run installs it)");
            }
            assumeTrue(false, "chromium not found: apt-get install -y chromium to run this test");
        }
        Path screenshot = tmp.resolve("screenshot.png");
        Process process = new ProcessBuilder(browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--user-data-dir=" + tmp.resolve("chromium-profile"), "--window-size=1200,2400",
                "--screenshot=" + screenshot, reportDir.resolve("index.html").toUri().toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("chromium.log").toFile()).start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "chromium did not finish");
        assertTrue(Files.exists(screenshot), "no screenshot; chromium said: " + Files.readString(tmp.resolve("chromium.log")));
        BufferedImage image = ImageIO.read(screenshot.toFile());
        assertEquals(1200, image.getWidth());
        assertTrue(lumaStdDev(image) > 20, "the screenshot is blank");
        // The charts' coloured series fill far more pixels than the page's own few coloured text and rules.
        assertTrue(saturatedPixels(image) > 20_000, "no chart drawn in the screenshot: " + saturatedPixels(image));
    }

    private static String findChromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
                if (Files.isExecutable(Path.of(dir, name))) {
                    return Path.of(dir, name).toString();
                }
            }
        }
        return null;
    }

    private static double lumaStdDev(BufferedImage image) {
        double sum = 0;
        double squares = 0;
        long n = (long) image.getWidth() * image.getHeight();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                double luma = 0.299 * (rgb >> 16 & 0xff) + 0.587 * (rgb >> 8 & 0xff) + 0.114 * (rgb & 0xff);
                sum += luma;
                squares += luma * luma;
            }
        }
        double mean = sum / n;
        return Math.sqrt(Math.max(0, squares / n - mean * mean));
    }

    private static long saturatedPixels(BufferedImage image) {
        long count = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                int r = rgb >> 16 & 0xff;
                int g = rgb >> 8 & 0xff;
                int b = rgb & 0xff;
                int max = Math.max(r, Math.max(g, b));
                int min = Math.min(r, Math.min(g, b));
                count += max > 60 && (max - min) > 0.4 * max ? 1 : 0;
            }
        }
        return count;
    }
}
