package org.alignspark.executor;

import java.util.ArrayList;
import java.util.List;

import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.lm.PrefixScoring;
import org.alignspark.common.tokenizer.Message;

import org.apache.spark.sql.Row;

/** A preference pair's row with its prompt, chosen and rejected tokens under one model's chat template. */
public record EncodedPair(Row row, int[] prompt, int[] chosen, int[] rejected) {

    public static EncodedPair of(ExecutorModels.TaskModel model, Row row) {
        List<Message> prompt = ModelRows.messages(row, "prompt");
        return new EncodedPair(row, model.encoder().prompt(prompt), model.encoder().completion(prompt, row.getAs("chosen")),
                model.encoder().completion(prompt, row.getAs("rejected")));
    }

    /** The longer side's whole sequence, the length a batch pads to. */
    public int length() {
        return prompt.length + Math.max(chosen.length, rejected.length);
    }

    /** Summed log-probs of a batch's chosen completions (rows 0..n−1) and rejected ones (rows n..2n−1), in one forward pass. */
    public static CompletionLogProbs score(ExecutorModels.TaskModel model, List<EncodedPair> batch) {
        List<int[]> prompts = new ArrayList<>(2 * batch.size());
        List<int[]> completions = new ArrayList<>(2 * batch.size());
        for (EncodedPair p : batch) {
            prompts.add(p.prompt());
            completions.add(p.chosen());
        }
        for (EncodedPair p : batch) {
            prompts.add(p.prompt());
            completions.add(p.rejected());
        }
        return CompletionLogProbs.forward(model.lm(), prompts, completions, model.padId());
    }

    /**
     * Summed log-probs of a batch's chosen completions (0..n−1) and rejected ones (n..2n−1): {@link #score}'s one padded
     * pass ({@link PrefixScoring#BATCHED}), or per pair its prompt once and both sides after it
     * ({@link PrefixScoring#PREFIX_CACHE}); the same sums to rounding.
     */
    public static double[] sums(ExecutorModels.TaskModel model, List<EncodedPair> batch, PrefixScoring scoring) {
        if (scoring == PrefixScoring.BATCHED) {
            return score(model, batch).sums();
        }
        int n = batch.size();
        double[] sums = new double[2 * n];
        for (int i = 0; i < n; i++) {
            EncodedPair p = batch.get(i);
            List<double[]> sides = scoring.tokenLogProbs(model.lm(), p.prompt(), List.of(p.chosen(), p.rejected()), model.padId(), 0);
            sums[i] = java.util.Arrays.stream(sides.get(0)).sum();
            sums[n + i] = java.util.Arrays.stream(sides.get(1)).sum();
        }
        return sums;
    }
}
