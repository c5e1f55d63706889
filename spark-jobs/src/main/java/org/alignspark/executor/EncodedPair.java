package org.alignspark.executor;

import java.util.ArrayList;
import java.util.List;

import org.alignspark.common.lm.CompletionLogProbs;
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
}
