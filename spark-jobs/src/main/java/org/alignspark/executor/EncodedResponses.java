package org.alignspark.executor;

import java.util.ArrayList;
import java.util.List;

import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.lm.PrefixScoring;
import org.alignspark.common.tokenizer.Message;

import org.apache.spark.sql.Row;

/** A row's prompt and its K responses (a {@code responses} list of {@code text}) as tokens under one model's chat template. */
public record EncodedResponses(Row row, int[] prompt, List<int[]> responses) {

    public static EncodedResponses of(ExecutorModels.TaskModel model, Row row) {
        List<Message> prompt = ModelRows.messages(row, "prompt");
        List<int[]> responses = new ArrayList<>();
        for (Row response : row.<Row>getList(row.fieldIndex("responses"))) {
            responses.add(model.encoder().completion(prompt, response.getAs("text")));
        }
        return new EncodedResponses(row, model.encoder().prompt(prompt), responses);
    }

    /** The longest response's whole sequence, the length a batch pads to. */
    public int length() {
        return prompt.length + responses.stream().mapToInt(r -> r.length).max().orElse(0);
    }

    /** Summed log-probs of every response of a batch, row after row in the batch's order, in one forward pass. */
    public static CompletionLogProbs score(ExecutorModels.TaskModel model, List<EncodedResponses> batch) {
        List<int[]> prompts = new ArrayList<>();
        List<int[]> completions = new ArrayList<>();
        for (EncodedResponses row : batch) {
            for (int[] response : row.responses()) {
                prompts.add(row.prompt());
                completions.add(response);
            }
        }
        return CompletionLogProbs.forward(model.lm(), prompts, completions, model.padId());
    }

    /**
     * Summed log-probs of every response of a batch, row after row: {@link #score}'s one padded pass
     * ({@link PrefixScoring#BATCHED}), or per row its prompt once and its K responses after it as one batch
     * ({@link PrefixScoring#PREFIX_CACHE}); the same sums to rounding.
     */
    public static double[] sums(ExecutorModels.TaskModel model, List<EncodedResponses> batch, PrefixScoring scoring) {
        if (scoring == PrefixScoring.BATCHED) {
            return score(model, batch).sums();
        }
        double[] sums = new double[batch.stream().mapToInt(r -> r.responses().size()).sum()];
        int at = 0;
        for (EncodedResponses row : batch) {
            if (row.responses().isEmpty()) {
                continue;
            }
            for (double[] tokens : scoring.tokenLogProbs(model.lm(), row.prompt(), row.responses(), model.padId(), 0)) {
                sums[at++] = java.util.Arrays.stream(tokens).sum();
            }
        }
        return sums;
    }
}
