package org.alignspark.jobs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.alignspark.cli.JobOptions;
import org.alignspark.cli.OutputTableOption;
import org.alignspark.common.rewards.BestWorstPair;
import org.alignspark.common.rewards.WordEdit;
import org.alignspark.data.AvroBytes;
import org.alignspark.data.DatasetKind;
import org.alignspark.data.avro.PreferencePair;
import org.alignspark.data.avro.Turn;
import org.alignspark.data.formats.InvalidRowException;
import org.alignspark.data.formats.ReaderOptions;
import org.alignspark.data.formats.Records;
import org.alignspark.warehouse.AvroColumns;
import org.alignspark.warehouse.JobRun;
import org.alignspark.warehouse.RunRecord;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.alignspark.cli.OptionChecks.require;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

/**
 * {@code flr-mine}: from K FLR-scored responses per prompt, a preference pair with chosen = the highest FLR and
 * rejected = the lowest, kept when the gap reaches {@code --min-margin} (the spec's stated reading: the paper's exact
 * rule was not found). Prompts with fewer than two scored responses, all-tied prompts and gaps below the margin are
 * counted and written to {@code <output>_quarantine} with the reason; none is dropped silently. With
 * {@code --max-edit-words}, only minimal pairs are mined ({@link WordEdit}), and a prompt with none is quarantined too.
 */
@Command(name = "flr-mine", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Mine chosen/rejected pairs from FLR-scored responses (best vs worst FLR per prompt).")
public final class FlrMineJob implements Callable<Integer> {
    static final String PAIR = "pair";
    static final String TIE = "tie";
    static final String UNMINED = "unmined";
    private static final StructType OUTCOMES = StructType.fromDDL("""
            outcome STRING NOT NULL, payload BINARY, prompt_id STRING NOT NULL, responses INT NOT NULL, reason STRING""");

    @Option(names = "--input", required = true, description = "Table of FLR scores (the output of flr-score).")
    String input;

    @Option(names = "--min-margin", defaultValue = "0.0", description = "Least FLR gap between chosen and rejected.")
    double minMargin;

    @Option(names = "--pairs-per-prompt", defaultValue = "1",
            description = "Disjoint pairs per prompt: the i-th best against the i-th worst, while the gap holds (1: best vs worst). "
                    + "job_runs counts prompts.")
    int pairsPerPrompt;

    @Option(names = "--max-edit-words", defaultValue = "0",
            description = "Mine minimal pairs only: chosen and rejected may differ in one run of at most this many words, the "
                    + "words they share at the start and end stripped (\"It is Rome.\" / \"It is blue.\": 1). Each response, best "
                    + "first, is paired with the lowest-scored unused one within reach. 0: any pair.")
    int maxEditWords;

    @Option(names = "--score-column", defaultValue = "flr",
            description = "Column to mine on: flr, direct, or any numeric column of the input.")
    String scoreColumn;

    @Mixin JobOptions job;
    @Mixin OutputTableOption outputTable;

    @Override
    public Integer call() {
        require(minMargin >= 0, "--min-margin must be >= 0");
        require(pairsPerPrompt >= 1, "--pairs-per-prompt must be at least 1, got " + pairsPerPrompt);
        require(maxEditWords >= 0, "--max-edit-words must be >= 0 (0: any pair), got " + maxEditWords);
        JobRun run = job.start(outputTable.table());

        Dataset<Row> prompts = run.read(input)
                .groupBy("prompt_id")
                .agg(first("prompt").as("prompt"), first("split").as("split"),
                        collect_list(struct(col("response_id"), col("response"), col(scoreColumn).cast("double").as("score")))
                                .as("responses"));
        Dataset<Row> outcomes = prompts.mapPartitions(mine(minMargin, pairsPerPrompt, maxEditWords), Encoders.row(OUTCOMES))
                .persist(StorageLevel.MEMORY_AND_DISK());

        Map<String, Long> counts = new HashMap<>();   // prompts per outcome
        Map<String, Long> rowCounts = new HashMap<>();
        outcomes.groupBy("outcome").agg(countDistinct("prompt_id"), count(lit(1))).collectAsList().forEach(r -> {
            counts.put(r.getString(0), r.getLong(1));
            rowCounts.put(r.getString(0), r.getLong(2));
        });
        long minedPrompts = counts.getOrDefault(PAIR, 0L);
        long pairs = rowCounts.getOrDefault(PAIR, 0L);
        long ties = counts.getOrDefault(TIE, 0L);
        long unmined = counts.getOrDefault(UNMINED, 0L);
        run.overwrite(AvroColumns.decode(outcomes.filter(col("outcome").equalTo(PAIR)), "payload",
                DatasetKind.PREFERENCE_PAIR.schema()), run.table(), pairs == 0);
        run.overwrite(outcomes.filter(col("outcome").notEqual(PAIR)).select("prompt_id", "responses", "reason"),
                outputTable.beside("quarantine"), ties + unmined == 0);
        outcomes.unpersist();

        RunRecord record = run.record(minedPrompts + ties + unmined, minedPrompts, unmined, 0, ties);
        System.out.println(record.summary());
        System.out.printf("%d pairs from %d prompts%n", pairs, minedPrompts);
        return record.balanced() ? 0 : 1;
    }

    /** Outcome rows of one prompt: its mined pairs (Avro), or one row with the reason there is none. */
    private static MapPartitionsFunction<Row, Row> mine(double minMargin, int pairsPerPrompt, int maxEditWords) {
        return prompts -> {
            AvroBytes avro = new AvroBytes();
            ReaderOptions options = new ReaderOptions(0, Integer.MAX_VALUE, "flr");
            List<Row> out = new ArrayList<>();
            while (prompts.hasNext()) {
                out.addAll(outcome(prompts.next(), minMargin, pairsPerPrompt, maxEditWords, avro, options));
            }
            return out.iterator();
        };
    }

    private static List<Row> outcome(Row prompt, double minMargin, int pairsPerPrompt, int maxEditWords, AvroBytes avro,
                                     ReaderOptions options) {
        String promptId = prompt.getAs("prompt_id");
        List<Row> responses = prompt.getList(prompt.fieldIndex("responses"));
        double[] scores = new double[responses.size()];
        for (int i = 0; i < scores.length; i++) {
            Row r = responses.get(i);
            scores[i] = r.isNullAt(2) ? Double.NaN : r.getDouble(2);
        }
        BestWorstPair.Outcome outcome = BestWorstPair.select(scores, minMargin);
        if (outcome instanceof BestWorstPair.Selected) {
            List<Turn> turns = turns(prompt.getList(prompt.fieldIndex("prompt")));
            List<Row> pairs = new ArrayList<>();
            java.util.Set<String> ids = new java.util.HashSet<>();   // equal texts sampled twice make the same pair once
            try {
                List<BestWorstPair.Selected> ranked = maxEditWords == 0 ? BestWorstPair.ranked(scores, minMargin, pairsPerPrompt)
                        : BestWorstPair.ranked(scores, minMargin, pairsPerPrompt, (c, r) ->
                                WordEdit.span(responses.get(c).getString(1), responses.get(r).getString(1)) <= maxEditWords);
                if (ranked.isEmpty()) {
                    String reason = "no pair within --max-edit-words " + maxEditWords + " reaches the margin (best-worst gap "
                            + ((BestWorstPair.Selected) outcome).gap() + ")";
                    return List.of(RowFactory.create(UNMINED, null, promptId, scores.length, reason));
                }
                for (BestWorstPair.Selected s : ranked) {
                    PreferencePair pair = Records.pair(turns,
                            responses.get(s.chosen()).getString(1), responses.get(s.rejected()).getString(1),
                            s.gap(), null, scores[s.chosen()], scores[s.rejected()], options);
                    pair.setSplit(prompt.getAs("split"));
                    if (!ids.add(pair.getPairId().toString())) {
                        continue;
                    }
                    pairs.add(RowFactory.create(PAIR, avro.encode(pair), promptId, scores.length, null));
                }
                return pairs;
            } catch (InvalidRowException e) {
                return List.of(RowFactory.create(UNMINED, null, promptId, scores.length, e.getMessage()));
            }
        }
        if (outcome instanceof BestWorstPair.AllTied t) {
            return List.of(RowFactory.create(TIE, null, promptId, scores.length, "all responses tie at " + t.score()));
        }
        String reason = outcome instanceof BestWorstPair.TooFewResponses f
                ? "fewer than two scored responses (" + f.scored() + ")"
                : "gap " + ((BestWorstPair.BelowMargin) outcome).gap() + " below --min-margin " + minMargin;
        return List.of(RowFactory.create(UNMINED, null, promptId, scores.length, reason));
    }

    private static List<Turn> turns(List<Row> rows) {
        List<Turn> turns = new ArrayList<>(rows.size());
        for (Row r : rows) {
            turns.add(new Turn(r.getString(0), r.getString(1)));
        }
        return turns;
    }
}
