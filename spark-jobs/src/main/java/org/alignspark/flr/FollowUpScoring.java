package org.alignspark.flr;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.lm.PrefixScoring;
import org.alignspark.common.rewards.FollowUpLikelihoodReward;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.ChatTemplate;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.common.tokenizer.Tokenizer;
import org.alignspark.data.AvroBytes;
import org.alignspark.data.avro.FlrScore;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.ModelRows;
import org.alignspark.flr.FollowUps.FollowUp;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;


/**
 * FLR on executors: each response's conversation and every follow-up the user might say next, scored by the scorer LM
 * (common's {@link FollowUpLikelihoodReward}), with the Direct baseline beside it; one FlrScore row per response.
 */
public final class FollowUpScoring {
    private FollowUpScoring() {}

    /** @param feedbackRequest the role-swapped template's opening turn, or null for the standard template */
    public static MapPartitionsFunction<Row, Row> score(String scorer, List<FollowUp> followUps, String feedbackRequest,
                                                 boolean includeEndOfTurn, FollowUpLikelihoodReward.Aggregation aggregation,
                                                 int followUpBatch, PrefixScoring scoring) {
        boolean roleSwapped = feedbackRequest != null;
        return rows -> {
            CausalLM lm = ExecutorModels.replica(scorer);
            ChatEncoder encoder = ExecutorModels.encoder(scorer);
            Tokenizer tokenizer = encoder.tokenizer();
            ChatTemplate chat = encoder.template();
            AvroBytes avro = new AvroBytes();
            List<Row> out = new ArrayList<>();
            while (rows.hasNext()) {
                Row row = rows.next();
                List<Message> prompt = ModelRows.messages(row, "prompt");
                String response = row.getAs("response");
                List<Message> conversation = roleSwapped
                        ? FollowUpLikelihoodReward.roleSwapped(feedbackRequest, prompt, response)
                        : withTurn(prompt, "assistant", response);
                String followUpRole = roleSwapped ? "assistant" : "user";
                FollowUpLikelihoodReward.Result flr = scoreFollowUps(lm, tokenizer, chat, conversation, followUpRole,
                        followUps, includeEndOfTurn, aggregation, followUpBatch, scoring);
                double direct = response.isEmpty() ? Double.NaN : FollowUpLikelihoodReward.tokenMeanLogProb(
                        CompletionLogProbs.forward(lm, List.of(encoder.prompt(prompt)),
                                List.of(encoder.completion(prompt, response)), tokenizer.padId()).tokenLogProbs(0));
                out.add(RowFactory.create((Object) avro.encode(new FlrScore(row.getAs("prompt_id"), ModelRows.turns(prompt), row.getAs("response_id"),
                        response, flr.flr(), flr.positiveMean(), flr.negativeMean(), new HashMap<>(flr.perCategory()), direct,
                        scorer, row.getAs("source"), row.getAs("split")))));
            }
            return out.iterator();
        };
    }

    /**
     * Scores every follow-up behind the conversation: context = the conversation plus the follow-up turn's opening;
     * completion = the follow-up's text (plus the turn's closing tokens when included); {@code batch} follow-ups per
     * forward pass (0: all), each behind a copy of the context or behind its one cached computation ({@code scoring}).
     */
    public static FollowUpLikelihoodReward.Result scoreFollowUps(CausalLM lm, Tokenizer tokenizer, ChatTemplate chat,
                                                         List<Message> conversation, String role, List<FollowUp> followUps,
                                                         boolean includeEndOfTurn, FollowUpLikelihoodReward.Aggregation aggregation,
                                                         int batch, PrefixScoring scoring) {
        String before = chat.render(conversation, false);
        // a printable marker: templates render data as text, and a control character may not survive (Jinjava prints
        // U+0001 as the six characters \u0001)
        String marker = "[[alignspark:follow-up]]";
        String withMarker = chat.render(withTurn(conversation, role, marker), false);
        int at = withMarker.indexOf(marker);
        if (!withMarker.startsWith(before) || at < before.length()) {
            throw new IllegalStateException("chat template " + chat.origin() + " does not render a " + role
                    + " turn after the conversation as a suffix of the conversation's own rendering; FLR cannot place the follow-ups");
        }
        String opening = withMarker.substring(before.length(), at);
        String closing = withMarker.substring(withMarker.indexOf(marker) + marker.length());
        int[] context = concat(tokenizer.encode(before), tokenizer.encode(opening));
        int[] closingTokens = includeEndOfTurn ? tokenizer.encode(closing) : new int[0];
        List<int[]> completions = new ArrayList<>(followUps.size());
        for (FollowUp f : followUps) {
            completions.add(concat(tokenizer.encode(f.text()), closingTokens));
        }
        List<double[]> tokenLogProbs = scoring.tokenLogProbs(lm, context, completions, tokenizer.padId(), batch);
        List<FollowUpLikelihoodReward.ScoredFollowUp> results = new ArrayList<>(followUps.size());
        for (int i = 0; i < followUps.size(); i++) {
            results.add(new FollowUpLikelihoodReward.ScoredFollowUp(followUps.get(i).category(), followUps.get(i).positive(),
                    tokenLogProbs.get(i)));
        }
        return FollowUpLikelihoodReward.score(results, aggregation);
    }

    private static List<Message> withTurn(List<Message> conversation, String role, String content) {
        List<Message> all = new ArrayList<>(conversation);
        all.add(new Message(role, content));
        return all;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
