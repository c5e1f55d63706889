package org.alignspark.jobs;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.sft.CompletionLogProbs;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.Message;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.alignspark.spark.Batches;
import org.alignspark.spark.ExecutorModels;
import org.alignspark.spark.ModelRows;
import org.alignspark.spark.RunRecord;
import org.alignspark.spark.Warehouse;
import org.alignspark.spark.WarehouseOption;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
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

    @Option(names = "--dt", required = true, description = "Partition of the input table and of the output, YYYY-MM-DD.")
    String dt;

    @Option(names = "--reference-model", required = true, description = "HF model folder of the frozen reference policy.")
    String referenceModel;

    @Option(names = "--output", required = true, description = "Output table: the input rows with the reference columns.")
    String output;

    @Option(names = "--batch-size", defaultValue = "8", description = "Pairs, examples or lists per forward pass.")
    int batchSize;

    @Option(names = "--kl-seed", defaultValue = "42",
            description = "BinaryFeedback: seeds the shuffle that gives each example the mismatched completion of KTO's KL term.")
    long klSeed;

    @Option(names = "--prompt-embeddings", description = "BinaryFeedback: also store prompt_embedding, the mean final hidden "
            + "state of the prompt under the reference model (input to train-policy --bco-density-ratio).")
    boolean promptEmbeddings;

    @Mixin
    WarehouseOption warehouseOption;

    @Override
    public Integer call() {
        Instant started = Instant.now();
        Warehouse.checkTableName(output);
        Warehouse warehouse = warehouseOption.open("alignspark ref-logprobs " + output);
        SparkSession spark = warehouse.spark();
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
        warehouse.overwritePartition(joined, output, dt, n == 0);
        RunRecord run = new RunRecord(RunRecord.newRunId("ref-logprobs"), "ref-logprobs", output, dt, n,
                warehouse.hasPartition(output, dt) ? warehouse.partition(output, dt).count() : 0, 0, 0, 0, started, Instant.now());
        run.append(spark, warehouse);
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
        return rows -> {
            CausalLM lm = ExecutorModels.replica(model);
            ChatEncoder encoder = TrainRmJob.encoder(model);
            List<Row> out = new ArrayList<>();
            for (List<Row> batch : Batches.of(rows, batchSize)) {
                int n = batch.size();
                List<int[]> prompts = new ArrayList<>(2 * n);
                List<int[]> completions = new ArrayList<>(2 * n);
                for (String side : new String[]{"completion", "kl_completion"}) {
                    for (Row r : batch) {
                        List<Message> prompt = ModelRows.messages(r, "prompt");
                        prompts.add(encoder.prompt(prompt));
                        completions.add(encoder.completion(prompt, r.getAs(side)));
                    }
                }
                CompletionLogProbs scored = CompletionLogProbs.forward(lm, prompts, completions, encoder.tokenizer().padId());
                INDArray hidden = embeddings ? lm.hiddenStates() : null;                     // [2n, T, d]
                for (int i = 0; i < n; i++) {
                    out.add(RowFactory.create(batch.get(i).getAs("example_id"), scored.sums()[i], scored.lengths()[i],
                            scored.sums()[n + i], embeddings ? promptEmbedding(hidden, i, prompts.get(i).length) : null));
                }
            }
            return out.iterator();
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
        return rows -> {
            CausalLM lm = ExecutorModels.replica(model);
            ChatEncoder encoder = TrainRmJob.encoder(model);
            List<Row> out = new ArrayList<>();
            for (List<Row> batch : Batches.of(rows, batchSize)) {
                List<int[]> prompts = new ArrayList<>();
                List<int[]> completions = new ArrayList<>();
                for (Row r : batch) {
                    List<Message> prompt = ModelRows.messages(r, "prompt");
                    int[] promptTokens = encoder.prompt(prompt);
                    for (Row response : r.<Row>getList(r.fieldIndex("responses"))) {
                        prompts.add(promptTokens);
                        completions.add(encoder.completion(prompt, response.getAs("text")));
                    }
                }
                CompletionLogProbs scored = CompletionLogProbs.forward(lm, prompts, completions, encoder.tokenizer().padId());
                int row = 0;
                for (Row r : batch) {
                    int k = r.getList(r.fieldIndex("responses")).size();
                    double[] logps = java.util.Arrays.copyOfRange(scored.sums(), row, row + k);
                    int[] tokens = java.util.Arrays.copyOfRange(scored.lengths(), row, row + k);
                    out.add(RowFactory.create(r.getAs("list_id"), logps, tokens));
                    row += k;
                }
            }
            return out.iterator();
        };
    }

    /** Reference log-probs of a partition's pairs, a batch of pairs (2 × batch rows) per forward pass. */
    static MapPartitionsFunction<Row, Row> score(String model, int batchSize) {
        return rows -> {
            CausalLM lm = ExecutorModels.replica(model);
            ChatEncoder encoder = TrainRmJob.encoder(model);
            List<Row> out = new ArrayList<>();
            for (List<Row> batch : Batches.of(rows, batchSize)) {
                CompletionLogProbs scored = scorePairs(lm, encoder, batch);
                int n = batch.size();
                for (int i = 0; i < n; i++) {
                    out.add(RowFactory.create(batch.get(i).getAs("pair_id"), scored.sums()[i], scored.sums()[n + i],
                            scored.lengths()[i], scored.lengths()[n + i]));
                }
            }
            return out.iterator();
        };
    }

    /**
     * Summed log-probs of a batch of pairs' chosen completions (rows 0..n−1) and rejected ones (rows n..2n−1), prompts
     * rendered by the model's chat template, in one forward pass.
     */
    static CompletionLogProbs scorePairs(CausalLM lm, ChatEncoder encoder, List<Row> batch) {
        List<int[]> prompts = new ArrayList<>(2 * batch.size());
        List<int[]> completions = new ArrayList<>(2 * batch.size());
        for (String side : new String[]{"chosen", "rejected"}) {
            for (Row r : batch) {
                List<Message> prompt = ModelRows.messages(r, "prompt");
                prompts.add(encoder.prompt(prompt));
                completions.add(encoder.completion(prompt, r.getAs(side)));
            }
        }
        return CompletionLogProbs.forward(lm, prompts, completions, encoder.tokenizer().padId());
    }
}
