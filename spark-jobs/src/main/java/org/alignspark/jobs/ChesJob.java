package org.alignspark.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.cli.BatchOption;
import org.alignspark.cli.JobOptions;
import org.alignspark.cli.OutputTableOption;
import org.alignspark.cli.ScoringOption;
import org.alignspark.common.lm.PrefixScoring;
import org.alignspark.common.lm.SharedPrefixLogProbs;
import org.alignspark.common.lm.Batch;
import org.alignspark.common.rewards.ChesScore;
import org.alignspark.executor.EncodedPair;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.LengthSortedBatches;
import org.alignspark.executor.ModelRows;
import org.alignspark.train.Checkpoints;
import org.alignspark.warehouse.JobRun;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.alignspark.cli.OptionChecks.require;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;

/**
 * {@code ches}: the CHES and length-normalized CHES scores of "Unintentional Unalignment" (Razin et al.; docs/spec-data-side.md
 * §2) for every pair — how similar the model's hidden representations of chosen and rejected are, the predictor of
 * likelihood displacement under DPO — and the paper's filtering: keep the lowest-scoring fraction, drop the highest,
 * or cap the score. Removed pairs go to {@code <output>_ches_removed} with their scores; none vanish.
 */
@Command(name = "ches", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Score pairs by CHES / LN-CHES (hidden-embedding similarity) and filter out the most similar.")
public final class ChesJob implements Callable<Integer> {
    private static final StructType SCORES = StructType.fromDDL("pair_id STRING NOT NULL, ches DOUBLE NOT NULL, ln_ches DOUBLE NOT NULL");

    @Option(names = "--pairs", required = true, description = "PreferencePair table.")
    String pairsTable;

    @Option(names = "--model", required = true, description = "HF model folder whose final hidden states are compared.")
    String model;

    @Option(names = "--score", defaultValue = "ln_ches", description = "Score the filter ranks by: ches or ln_ches.")
    String score;

    @Option(names = "--keep", description = "lowest-fraction=Q: keep the Q share of pairs with the lowest scores (the paper keeps 0.05).")
    String keep;

    @Option(names = "--drop", description = "highest-fraction=Q: drop the Q share of pairs with the highest scores.")
    String drop;

    @Option(names = "--max-score", description = "Keep pairs whose score is at most this.")
    Double maxScore;

    @Mixin JobOptions job;
    @Mixin OutputTableOption output;
    @Mixin BatchOption batch = new BatchOption(8);
    @Mixin ScoringOption scoring = new ScoringOption(PrefixScoring.BATCHED);

    /** How many of the n pairs, ranked by ascending score, are kept. */
    static long keptCount(long n, String keep, String drop) {
        if (keep != null) {
            return (long) Math.ceil(fraction(keep, "lowest-fraction=") * n);
        }
        return n - (long) Math.floor(fraction(drop, "highest-fraction=") * n);
    }

    private static double fraction(String option, String prefix) {
        require(option.startsWith(prefix), "expected " + prefix + "Q, got '" + option + "'");
        double q = Double.parseDouble(option.substring(prefix.length()));
        require(q >= 0 && q <= 1, prefix + " must lie in [0, 1], got " + q);
        return q;
    }

    @Override
    public Integer call() {
        String removedTable = output.beside("ches_removed");
        Checkpoints.checkModelFolder("--model", model);   // on the driver: a bad folder fails once, not in every task
        require(score.equals("ches") || score.equals("ln_ches"), "--score must be ches or ln_ches");
        require((keep != null ? 1 : 0) + (drop != null ? 1 : 0) + (maxScore != null ? 1 : 0) <= 1,
                "give at most one of --keep, --drop and --max-score");
        JobRun run = job.start(output.table());
        Dataset<Row> pairs = run.read(pairsTable);
        Dataset<Row> scored = pairs.join(pairs.select("pair_id", "prompt", "chosen", "rejected")
                        .mapPartitions(scores(model, batch.batchSize(), scoring.scoring()), Encoders.row(SCORES)), "pair_id")
                .cache();
        long n = scored.count();
        Column kept;
        if (maxScore != null) {
            kept = col(score).leq(maxScore);
        } else if (keep != null || drop != null) {
            scored = scored.withColumn("ches_rank", row_number().over(Window.orderBy(col(score), col("pair_id"))));
            kept = col("ches_rank").leq(keptCount(n, keep, drop));
        } else {
            kept = org.apache.spark.sql.functions.lit(true);
        }
        Dataset<Row> keptPairs = scored.filter(kept).drop("ches_rank");
        Dataset<Row> removed = scored.filter(kept.unary_$bang()).drop("ches_rank");
        long keptRows = keptPairs.count();
        run.overwrite(keptPairs, run.table(), keptRows == 0);
        run.overwrite(removed, removedTable, keptRows == n);
        scored.unpersist();
        System.out.println(run.record(n, keptRows, n - keptRows).summary().replace("rows_quarantined", "ches_removed    "));
        return 0;
    }

    static MapPartitionsFunction<Row, Row> scores(String model, int batchSize, PrefixScoring scoring) {
        return rows -> {
            ExecutorModels.TaskModel lm = ExecutorModels.taskModel(model);
            return LengthSortedBatches.map(rows, r -> EncodedPair.of(lm, r), EncodedPair::length, batchSize, batch -> {
                float[][][] chosen;
                float[][][] rejected;
                if (scoring == PrefixScoring.PREFIX_CACHE) {
                    chosen = new float[batch.size()][][];
                    rejected = new float[batch.size()][][];
                    for (int i = 0; i < batch.size(); i++) {
                        float[][][] sides = pairStatesAfterSharedPrompt(lm, batch.get(i));
                        chosen[i] = sides[0];
                        rejected[i] = sides[1];
                    }
                } else {
                    chosen = responseStates(lm, batch, EncodedPair::chosen, "chosen");
                    rejected = responseStates(lm, batch, EncodedPair::rejected, "rejected");
                }
                List<Row> out = new ArrayList<>(batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    out.add(RowFactory.create(batch.get(i).row().getAs("pair_id"), ChesScore.ches(chosen[i], rejected[i]),
                            ChesScore.lengthNormalizedChes(chosen[i], rejected[i])));
                }
                return out;
            });
        };
    }

    /**
     * For each pair, the authors' CHES rows (docs/spec-data-side.md §2b, {@code compute_preference_similarity_per_example.py}
     * scores {@code query + response}, no end of turn appended): the final hidden states of the prompt's last token and
     * of each response token, [pair][|y|+1][d], where y is the response text's tokens. The last row is the state that
     * predicts the first token of the template's end of turn ({@code <|im_end|>}, {@code <|eos|>}); the rest of the end
     * of turn (ChatML's trailing newline) is not counted.
     */
    private static float[][][] responseStates(ExecutorModels.TaskModel lm, List<EncodedPair> batch,
                                              java.util.function.Function<EncodedPair, int[]> side, String column) {
        List<int[]> sequences = new ArrayList<>(batch.size());
        int[] rowCounts = new int[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            EncodedPair pair = batch.get(i);
            int[] c = side.apply(pair);
            rowCounts[i] = stateRows(lm, pair, c, column);
            int[] all = java.util.Arrays.copyOf(pair.prompt(), pair.prompt().length + c.length);
            System.arraycopy(c, 0, all, pair.prompt().length, c.length);
            sequences.add(all);
        }
        lm.lm().forwardHidden(Batch.padded(sequences, Batch.Padding.RIGHT, lm.padId()));
        INDArray hidden = lm.lm().hiddenStates().castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);   // [B, T, d]
        float[][][] states = new float[batch.size()][][];
        for (int i = 0; i < batch.size(); i++) {
            float[][] rows = hidden.slice(i).toFloatMatrix();                                            // [T, d]
            states[i] = ChesScore.responseStateRows(rows, batch.get(i).prompt().length, rowCounts[i]);
        }
        return states;
    }

    /**
     * {@link #responseStates} of one pair's chosen and rejected (index 0 and 1) after its prompt computed once, its keys
     * and values shared by both sides ({@code --scoring prefix-cache}): the same rows to rounding.
     */
    private static float[][][] pairStatesAfterSharedPrompt(ExecutorModels.TaskModel lm, EncodedPair pair) {
        int chosenRows = stateRows(lm, pair, pair.chosen(), "chosen");
        int rejectedRows = stateRows(lm, pair, pair.rejected(), "rejected");
        List<float[][]> states = SharedPrefixLogProbs.hiddenStates(lm.lm(), pair.prompt(), List.of(pair.chosen(), pair.rejected()),
                lm.padId());                                                                    // [1 + |y|][d] each
        return new float[][][]{ChesScore.responseStateRows(states.get(0), 1, chosenRows),
                ChesScore.responseStateRows(states.get(1), 1, rejectedRows)};
    }

    /** The CHES rows of one side: its response text's tokens plus the state before the end of turn. */
    private static int stateRows(ExecutorModels.TaskModel lm, EncodedPair pair, int[] completion, String column) {
        int rows = lm.encoder().responseLength(ModelRows.messages(pair.row(), "prompt"), pair.row().getAs(column)) + 1;
        require(rows <= completion.length, "pair " + pair.row().getAs("pair_id") + ": the chat template "
                + lm.encoder().template().origin() + " adds no end-of-turn token after the " + column + " response");
        return rows;
    }
}
