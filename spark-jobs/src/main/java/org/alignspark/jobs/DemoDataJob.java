package org.alignspark.jobs;

import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.data.DatasetKind;
import org.alignspark.data.demo.DemoWorld;
import org.alignspark.spark.AvroColumns;
import org.alignspark.spark.Warehouse;
import org.alignspark.spark.WarehouseOption;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code demo-data}: writes the demo world's tables (DemoWorld): {@code <prefix>_scorer_dialogues} to fine-tune an FLR
 * scorer on user reactions (role-swapped layout), {@code <prefix>_pairs} of human-labelled pairs (correct chosen over
 * wrong), and {@code <prefix>_candidates} with K candidate answers per question for FLR mining.
 */
@Command(name = "demo-data", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Generate the deterministic demo world: scorer dialogues, labelled pairs and candidate answers.")
public final class DemoDataJob implements Callable<Integer> {
    /** Shorter than the FLR code's request: every scorer dialogue starts with it, and a tiny scorer trains on them. */
    static final String DEMO_FEEDBACK_REQUEST = "Quiz me and judge my answer.";

    @Option(names = "--dt", required = true, description = "Partition date of the tables, YYYY-MM-DD.")
    String dt;

    @Option(names = "--prefix", defaultValue = "demo", description = "Table name prefix.")
    String prefix;

    @Option(names = "--seed", defaultValue = "7", description = "The world's seed.")
    long seed;

    @Option(names = "--dialogues", defaultValue = "2000", description = "Scorer training dialogues.")
    int dialogues;

    @Option(names = "--pairs", defaultValue = "64", description = "Labelled pairs.")
    int pairs;

    @Option(names = "--k", defaultValue = "4", description = "Candidate answers per question.")
    int k;

    @Option(names = "--follow-ups", defaultValue = "demo-world",
            description = "How the world's users react: a follow-up file or bundled set, as flr-score's --follow-ups; score with the same.")
    String followUpsFile;

    @Option(names = "--feedback-request", defaultValue = DEMO_FEEDBACK_REQUEST,
            description = "Opening turn of the scorer dialogues (role-swapped layout); pass it to flr-score's --feedback-request.")
    String feedbackRequest;

    @Mixin
    WarehouseOption warehouseOption;

    @Override
    public Integer call() {
        Warehouse.checkTableName(prefix + "_scorer_dialogues");
        List<DemoWorld.FollowUp> followUps = FlrScoreJob.readFollowUps(followUpsFile).stream()
                .map(f -> new DemoWorld.FollowUp(f.text(), f.positive())).toList();
        DemoWorld world = new DemoWorld(seed, followUps, feedbackRequest);
        Warehouse warehouse = warehouseOption.open("alignspark demo-data");
        SparkSession spark = warehouse.spark();
        warehouse.overwritePartition(AvroColumns.fromRecords(spark, world.scorerDialogues(dialogues), DatasetKind.DIALOGUE.schema()),
                prefix + "_scorer_dialogues", dt, dialogues == 0);
        warehouse.overwritePartition(AvroColumns.fromRecords(spark, world.labelledPairs(pairs), DatasetKind.PREFERENCE_PAIR.schema()),
                prefix + "_pairs", dt, pairs == 0);
        warehouse.overwritePartition(AvroColumns.fromRecords(spark, world.candidates(k), DatasetKind.RANKED_RESPONSES.schema()),
                prefix + "_candidates", dt, false);
        System.out.printf("demo world (seed %d): %d scorer dialogues, %d labelled pairs, %d questions x %d candidates%n",
                seed, dialogues, pairs, DemoWorld.FACTS.size(), k);
        return 0;
    }
}
