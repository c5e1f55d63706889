package org.alignspark.jobs;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.cli.BatchOption;
import org.alignspark.cli.OutputTableOption;
import org.alignspark.cli.PartitionOption;
import org.alignspark.cli.WarehouseOption;
import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.executor.EncodedPair;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.LengthSortedBatches;
import org.alignspark.executor.ModelRows;
import org.alignspark.warehouse.RunRecord;
import org.alignspark.warehouse.Warehouse;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lead;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * {@code ref-logprobs}: the frozen reference model's summed log-probs, computed once and stored next to the rows so
 * policy training never holds the reference model (docs/design.md decision 5). The input's shape picks what is added:
 * <ul>
 *   <li>PreferencePair: {@code ref_logp_chosen}, {@code ref_logp_rejected}, {@code chosen_tokens}, {@code rejected_tokens};</li>
 *   <li>BinaryFeedback: {@code ref_logp}, {@code completion_tokens}, and for KTO's KL reference point a mismatched
 *       completion {@code kl_completion} (see {@link #withMismatchedCompletions}) with {@code ref_logp_kl}; with
 *       {@code --prompt-embeddings} also {@code prompt_embedding} for BCO's density-ratio classifier;</li>
 *   <li>RankedResponses: {@code ref_logps} and {@code response_tokens}, one per response in the list's order.</li>
 * </ul>
 */
@Command(name = "ref-logprobs", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Add the reference model's log-probs to a pair, binary-feedback or ranked-responses table.")
public final class RefLogprobsJob implements Callable<Integer> {
    static final StructType SCORES = new StructType()
            .add("pair_id", DataTypes.StringType, false)
            .add("ref_logp_chosen", DataTypes.DoubleType, false)
            .add("ref_logp_rejected", DataTypes.DoubleType, false)
            .add("chosen_tokens", DataTypes.IntegerType, false)
            .add("rejected_tokens", DataTypes.IntegerType, false);
    static final StructType FEEDBACK_SCORES = new StructType()
            .add("example_id", DataTypes.StringType, false)
            .add("ref_logp", DataTypes.DoubleType, false)
            .add("completion_tokens", DataTypes.IntegerType, false)
            .add("ref_logp_kl", DataTypes.DoubleType, false)
            .add("prompt_embedding", DataTypes.createArrayType(DataTypes.DoubleType, false), true);
    static final StructType LIST_SCORES = new StructType()
            .add("list_id", DataTypes.StringType, false)
            .add("ref_logps", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
            .add("response_tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), false);
    /** Rows per group inside which KTO's mismatched completions are rotated (see withMismatchedCompletions). */
    static final int KL_GROUP_ROWS = 1024;

    @Option(names = {"--input", "--pairs"}, required = true,
            description = "PreferencePair, BinaryFeedback or RankedResponses table (the columns tell which).")
    String inputTable;

    @Option(names = "--reference-model", required = true, description = "HF model folder of the frozen reference policy.")
    String referenceModel;

    @Option(names = "--kl-seed", defaultValue = "42",
            description = "BinaryFeedback: seeds the shuffle that gives each example the mismatched completion of KTO's KL term.")
    long klSeed;

    @Option(names = "--prompt-embeddings", description = "BinaryFeedback: also store prompt_embedding, the mean final hidden "
            + "state of the prompt under the reference model (input to train-policy --bco-density-ratio).")
    boolean promptEmbeddings;

    @Mixin PartitionOption partition;
    @Mixin OutputTableOption output;
    @Mixin BatchOption batch = BatchOption.defaultingTo(8);
    @Mixin WarehouseOption warehouseOption;

    @Override
    public Integer call() {
        Instant started = Instant.now();
        String table = output.table();
        String dt = partition.dt();
        int batchSize = batch.batchSize();
        Warehouse warehouse = warehouseOption.open("alignspark ref-logprobs " + table);
        Dataset<Row> input = warehouse.partition(inputTable, dt);
        List<String> columns = List.of(input.columns());
        Dataset<Row> joined;
        if (columns.contains("chosen") && columns.contains("rejected")) {
            Dataset<Row> scores = input.select("pair_id", "prompt", "chosen", "rejected")
                    .mapPartitions(score(referenceModel, batchSize), Encoders.row(SCORES));
            joined = input.join(scores, "pair_id");
        } else if (columns.contains("completion") && columns.contains("label")) {
            Dataset<Row> rows = withMismatchedCompletions(input, klSeed);
            Dataset<Row> scores = rows.select("example_id", "prompt", "completion", "kl_completion")
                    .mapPartitions(scoreFeedback(referenceModel, batchSize, promptEmbeddings), Encoders.row(FEEDBACK_SCORES));
            joined = rows.join(scores, "example_id");
            if (!promptEmbeddings) {
                joined = joined.drop("prompt_embedding");
            }
        } else if (columns.contains("responses")) {
            Dataset<Row> scores = input.select("list_id", "prompt", "responses")
                    .mapPartitions(scoreLists(referenceModel, batchSize), Encoders.row(LIST_SCORES));
            joined = input.join(scores, "list_id");
        } else {
            throw new IllegalArgumentException("table " + inputTable + " has columns " + columns + "; expected a PreferencePair "
                    + "(chosen, rejected), BinaryFeedback (completion, label) or RankedResponses (responses) table");
        }
        joined = joined.withColumn("reference_model", lit(referenceModel));
        long n = input.count();
        warehouse.overwritePartition(joined, table, dt, n == 0);
        RunRecord run = RunRecord.of("ref-logprobs", table, dt, n,
                warehouse.hasPartition(table, dt) ? warehouse.partition(table, dt).count() : 0, 0, started);
        run.append(warehouse);
        System.out.println(run.summary());
        return run.balanced() ? 0 : 1;
    }

    /**
     * Adds {@code kl_completion}: another example's completion, for KTO's KL reference point z₀.
     * <p>
     * TRL ({@code kto_trainer.py::_get_kl_dataset}) rotates completions by one inside each per-device batch at
     * dataset-preparation time, so the KL rows of a minibatch are that minibatch's own prompts with their neighbours'
     * completions. Here training reads stored reference log-probs, so the pairing has to be fixed before training and
     * cannot follow the training job's minibatches (their composition depends on the worker count and the epoch's
     * shuffle). The same +1 rotation is applied instead to a seeded shuffle: rows are hashed with {@code seed} into
     * groups of about {@link #KL_GROUP_ROWS} within their split, ordered by the hash inside the group, and each row
     * takes the completion of the next row (the last takes the first's). Training then uses exactly these rows: each
     * minibatch's z₀ is the mean over its examples of log π_θ(y'|x) − log π_ref(y'|x) on these pairs. What z₀ estimates
     * — KL(π_θ ‖ π_ref) on prompts and completions drawn independently — is the same under either pairing. The pairing
     * depends only on the seed and the example ids, not on Spark's partitioning. A group of one row (a split with a
     * single example) pairs the row with its own completion.
     */
    static Dataset<Row> withMismatchedCompletions(Dataset<Row> rows, long seed) {
        long n = rows.count();
        long groups = Math.max(1, (n + KL_GROUP_ROWS - 1) / KL_GROUP_ROWS);
        Dataset<Row> keyed = rows.withColumn("_kl_key", xxhash64(lit(seed), col("example_id")))
                .withColumn("_kl_group", pmod(col("_kl_key"), lit(groups)));
        WindowSpec order = Window.partitionBy("split", "_kl_group").orderBy("_kl_key", "example_id");
        return keyed.withColumn("kl_completion", coalesce(lead("completion", 1).over(order), first("completion").over(order)))
                .drop("_kl_key", "_kl_group");
    }

    /** Reference log-probs of binary-feedback rows and of their mismatched rows, a batch of rows (2 × batch sequences) per pass. */
    static MapPartitionsFunction<Row, Row> scoreFeedback(String model, int batchSize, boolean embeddings) {
        record Example(Row row, int[] prompt, int[] completion, int[] klCompletion) {}
        return rows -> {
            ExecutorModels.TaskModel lm = ExecutorModels.taskModel(model);
            return LengthSortedBatches.map(rows, r -> {
                List<Message> prompt = ModelRows.messages(r, "prompt");
                return new Example(r, lm.encoder().prompt(prompt), lm.encoder().completion(prompt, r.getAs("completion")),
                        lm.encoder().completion(prompt, r.getAs("kl_completion")));
            }, e -> e.prompt().length + Math.max(e.completion().length, e.klCompletion().length), batchSize, batch -> {
                int n = batch.size();
                List<int[]> prompts = new ArrayList<>(2 * n);
                List<int[]> completions = new ArrayList<>(2 * n);
                batch.forEach(e -> { prompts.add(e.prompt()); completions.add(e.completion()); });
                batch.forEach(e -> { prompts.add(e.prompt()); completions.add(e.klCompletion()); });
                CompletionLogProbs scored = CompletionLogProbs.forward(lm.lm(), prompts, completions, lm.padId());
                INDArray hidden = embeddings ? lm.lm().hiddenStates() : null;                     // [2n, T, d]
                List<Row> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    out.add(RowFactory.create(batch.get(i).row().getAs("example_id"), scored.sums()[i], scored.lengths()[i],
                            scored.sums()[n + i], embeddings ? promptEmbedding(hidden, i, prompts.get(i).length) : null));
                }
                return out;
            });
        };
    }

    /**
     * The mean final hidden state over a row's prompt tokens, [d]: BCO's prompt embedding (TRL's docs example pools the
     * last hidden state). Causal attention makes the prompt positions independent of the completion after them.
     */
    static double[] promptEmbedding(INDArray hidden, int row, int promptLength) {
        int d = (int) hidden.size(2);
        double[] mean = new double[d];
        for (int t = 0; t < promptLength; t++) {
            for (int j = 0; j < d; j++) {
                mean[j] += hidden.getDouble(row, t, j) / promptLength;
            }
        }
        return mean;
    }

    /** Reference log-probs of every response of a batch of lists, in one forward pass per batch. */
    static MapPartitionsFunction<Row, Row> scoreLists(String model, int batchSize) {
        record RankedRow(Row row, int[] prompt, List<int[]> responses) {}
        return rows -> {
            ExecutorModels.TaskModel lm = ExecutorModels.taskModel(model);
            return LengthSortedBatches.map(rows, r -> {
                List<Message> prompt = ModelRows.messages(r, "prompt");
                List<int[]> responses = new ArrayList<>();
                for (Row response : r.<Row>getList(r.fieldIndex("responses"))) {
                    responses.add(lm.encoder().completion(prompt, response.getAs("text")));
                }
                return new RankedRow(r, lm.encoder().prompt(prompt), responses);
            }, l -> l.prompt().length + l.responses().stream().mapToInt(x -> x.length).max().orElse(0), batchSize, batch -> {
                List<int[]> prompts = new ArrayList<>();
                List<int[]> completions = new ArrayList<>();
                for (RankedRow l : batch) {
                    for (int[] response : l.responses()) {
                        prompts.add(l.prompt());
                        completions.add(response);
                    }
                }
                CompletionLogProbs scored = CompletionLogProbs.forward(lm.lm(), prompts, completions, lm.padId());
                List<Row> out = new ArrayList<>(batch.size());
                int at = 0;
                for (RankedRow l : batch) {
                    int k = l.responses().size();
                    out.add(RowFactory.create(l.row().getAs("list_id"), Arrays.copyOfRange(scored.sums(), at, at + k),
                            Arrays.copyOfRange(scored.lengths(), at, at + k)));
                    at += k;
                }
                return out;
            });
        };
    }

    /** Reference log-probs of a partition's pairs, a batch of pairs (2 × batch rows) per forward pass. */
    static MapPartitionsFunction<Row, Row> score(String model, int batchSize) {
        return rows -> {
            ExecutorModels.TaskModel lm = ExecutorModels.taskModel(model);
            return LengthSortedBatches.map(rows, r -> EncodedPair.of(lm, r), EncodedPair::length, batchSize, batch -> {
                CompletionLogProbs scored = EncodedPair.score(lm, batch);
                int n = batch.size();
                List<Row> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    out.add(RowFactory.create(batch.get(i).row().getAs("pair_id"), scored.sums()[i], scored.sums()[n + i],
                            scored.lengths()[i], scored.lengths()[n + i]));
                }
                return out;
            });
        };
    }
}
