package org.alignspark.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.lm.PrefixScoring;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.executor.EncodedPair;
import org.alignspark.executor.EncodedResponses;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.LengthSortedBatches;
import org.alignspark.executor.ModelRows;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The frozen reference model's summed log-probs as tasks over partitions (ref-logprobs; docs/design.md decision 5):
 * per pair, per binary-feedback row (with its mismatched KL completion and, for BCO, the prompt embedding) and per
 * ranked list. Each task loads the model once per executor and runs sorted, padded batches.
 */
public final class ReferenceLogProbs {
    public static final StructType SCORES = StructType.fromDDL("""
            pair_id STRING NOT NULL, ref_logp_chosen DOUBLE NOT NULL, ref_logp_rejected DOUBLE NOT NULL,
            chosen_tokens INT NOT NULL, rejected_tokens INT NOT NULL""");
    /** {@link #SCORES} with the per-token log-probs of both completions (LD-DPO, {@code ref-logprobs --token-logps}). */
    public static final StructType TOKEN_SCORES = SCORES
            .add("ref_token_logps_chosen", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
            .add("ref_token_logps_rejected", DataTypes.createArrayType(DataTypes.DoubleType, false), false);
    public static final StructType FEEDBACK_SCORES = StructType.fromDDL("""
            example_id STRING NOT NULL, ref_logp DOUBLE NOT NULL, completion_tokens INT NOT NULL,
            ref_logp_kl DOUBLE NOT NULL""")
            .add("prompt_embedding", DataTypes.createArrayType(DataTypes.DoubleType, false), true);
    public static final StructType LIST_SCORES = new StructType()
            .add("list_id", DataTypes.StringType, false)
            .add("ref_logps", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
            .add("response_tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), false);
    private ReferenceLogProbs() {}

    /** Reference log-probs of binary-feedback rows and of their mismatched rows, a batch of rows (2 × batch sequences) per pass. */
    public static MapPartitionsFunction<Row, Row> scoreFeedback(String model, int batchSize, boolean embeddings,
                                                                int logitChunkTokens) {
        record Example(Row row, int[] prompt, int[] completion, int[] klCompletion) {}
        return rows -> {
            ExecutorModels.TaskModel lm = ExecutorModels.taskModel(model);
            lm.lm().setLogitChunkTokens(logitChunkTokens);
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

    /**
     * Reference log-probs of every response of a batch of lists: one forward pass per batch ({@link PrefixScoring#BATCHED}),
     * or per list its prompt once and its K responses after it ({@link PrefixScoring#PREFIX_CACHE}).
     */
    public static MapPartitionsFunction<Row, Row> scoreLists(String model, int batchSize, PrefixScoring scoring,
                                                             int logitChunkTokens) {
        return rows -> {
            ExecutorModels.TaskModel lm = ExecutorModels.taskModel(model);
            lm.lm().setLogitChunkTokens(logitChunkTokens);
            return LengthSortedBatches.map(rows, r -> EncodedResponses.of(lm, r), EncodedResponses::length, batchSize, batch -> {
                double[] sums = EncodedResponses.sums(lm, batch, scoring);
                List<Row> out = new ArrayList<>(batch.size());
                int at = 0;
                for (EncodedResponses l : batch) {
                    int k = l.responses().size();
                    out.add(RowFactory.create(l.row().getAs("list_id"), Arrays.copyOfRange(sums, at, at + k),
                            l.responses().stream().mapToInt(r -> r.length).toArray()));
                    at += k;
                }
                return out;
            });
        };
    }

    /**
     * Reference log-probs of a partition's pairs: with {@link PrefixScoring#BATCHED}, a batch of pairs (2 × batch rows)
     * per forward pass; with {@link PrefixScoring#PREFIX_CACHE}, each pair's prompt computed once and its chosen and
     * rejected sides scored after it as one two-row batch (the same sums to rounding). With {@code tokens}, also each
     * completion's per-token log-probs ({@link #TOKEN_SCORES}).
     */
    public static MapPartitionsFunction<Row, Row> score(String model, int batchSize, boolean tokens, PrefixScoring scoring,
                                                        int logitChunkTokens) {
        return rows -> {
            ExecutorModels.TaskModel lm = ExecutorModels.taskModel(model);
            lm.lm().setLogitChunkTokens(logitChunkTokens);
            if (scoring == PrefixScoring.PREFIX_CACHE) {
                List<Row> out = new ArrayList<>();
                while (rows.hasNext()) {
                    EncodedPair p = EncodedPair.of(lm, rows.next());
                    List<double[]> sides = scoring.tokenLogProbs(lm.lm(), p.prompt(), List.of(p.chosen(), p.rejected()), lm.padId(), 0);
                    Object id = p.row().getAs("pair_id");
                    double chosen = Arrays.stream(sides.get(0)).sum();
                    double rejected = Arrays.stream(sides.get(1)).sum();
                    out.add(tokens
                            ? RowFactory.create(id, chosen, rejected, p.chosen().length, p.rejected().length, sides.get(0), sides.get(1))
                            : RowFactory.create(id, chosen, rejected, p.chosen().length, p.rejected().length));
                }
                return out.iterator();
            }
            return LengthSortedBatches.map(rows, r -> EncodedPair.of(lm, r), EncodedPair::length, batchSize, batch -> {
                CompletionLogProbs scored = EncodedPair.score(lm, batch);
                int n = batch.size();
                List<Row> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    Object id = batch.get(i).row().getAs("pair_id");
                    out.add(tokens
                            ? RowFactory.create(id, scored.sums()[i], scored.sums()[n + i], scored.lengths()[i], scored.lengths()[n + i],
                                    scored.tokenLogProbs(i), scored.tokenLogProbs(n + i))
                            : RowFactory.create(id, scored.sums()[i], scored.sums()[n + i], scored.lengths()[i], scored.lengths()[n + i]));
                }
                return out;
            });
        };
    }
}
