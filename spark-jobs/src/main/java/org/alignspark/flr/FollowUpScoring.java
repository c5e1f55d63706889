package org.alignspark.flr;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.lm.PrefixScoring;
import org.alignspark.common.lm.SharedPrefixLogProbs;
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
                                                 int followUpBatch, PrefixScoring scoring, int logitChunkTokens) {
        return rows -> {
            CausalLM lm = ExecutorModels.replica(scorer).setLogitChunkTokens(logitChunkTokens);
            ChatEncoder encoder = ExecutorModels.encoder(scorer);
            AvroBytes avro = new AvroBytes();
            List<Row> out = new ArrayList<>();
            while (rows.hasNext()) {
                Row row = rows.next();
                List<Message> prompt = ModelRows.messages(row, "prompt");
                String response = row.getAs("response");
                ResponseScores scores = scoreResponse(lm, encoder, prompt, response, feedbackRequest, followUps, includeEndOfTurn,
                        aggregation, followUpBatch, scoring);
                FollowUpLikelihoodReward.Result flr = scores.flr();
                double direct = scores.direct();
                out.add(RowFactory.create((Object) avro.encode(new FlrScore(row.getAs("prompt_id"), ModelRows.turns(prompt), row.getAs("response_id"),
                        response, flr.flr(), flr.positiveMean(), flr.negativeMean(), new HashMap<>(flr.perCategory()), direct,
                        scorer, row.getAs("source"), row.getAs("split")))));
            }
            return out.iterator();
        };
    }

    /**
     * One response's scores: its FLR and its Direct baseline, the token-mean log-likelihood of the response after the
     * prompt (NaN for an empty response); {@code directFromConversation} when the Direct baseline was read from the pass
     * over the conversation that the follow-ups share.
     */
    public record ResponseScores(FollowUpLikelihoodReward.Result flr, double direct, boolean directFromConversation) {
    }

    /**
     * Scores one response: every follow-up after the conversation ({@link #scoreFollowUps}) and the Direct baseline. With
     * {@link PrefixScoring#PREFIX_CACHE} and the standard template, the prompt and response are the conversation's first
     * tokens, so the Direct baseline's log-probs come from the same pass that computes the conversation for the
     * follow-ups (causal attention: those positions do not see what follows); otherwise (role-swapped template, a
     * tokenization that differs at the boundary, {@code batched}) it is its own forward pass, as before.
     *
     * @param feedbackRequest the role-swapped template's opening turn, or null for the standard template
     */
    public static ResponseScores scoreResponse(CausalLM lm, ChatEncoder encoder, List<Message> prompt, String response,
                                               String feedbackRequest, List<FollowUp> followUps, boolean includeEndOfTurn,
                                               FollowUpLikelihoodReward.Aggregation aggregation, int batch, PrefixScoring scoring) {
        boolean roleSwapped = feedbackRequest != null;
        List<Message> conversation = roleSwapped
                ? FollowUpLikelihoodReward.roleSwapped(feedbackRequest, prompt, response)
                : withTurn(prompt, "assistant", response);
        String followUpRole = roleSwapped ? "assistant" : "user";
        Tokenizer tokenizer = encoder.tokenizer();
        FollowUpContext context = context(tokenizer, encoder.template(), conversation, followUpRole, followUps, includeEndOfTurn);
        int[] promptTokens = response.isEmpty() ? null : encoder.prompt(prompt);
        int[] responseTokens = response.isEmpty() ? null : encoder.completion(prompt, response);
        boolean shared = scoring == PrefixScoring.PREFIX_CACHE && promptTokens != null && promptTokens.length > 0
                && startsWith(context.tokens(), promptTokens, responseTokens);
        SharedPrefixLogProbs.Scored scored = null;
        List<double[]> followUpLogProbs;
        if (scoring == PrefixScoring.PREFIX_CACHE) {
            scored = SharedPrefixLogProbs.score(lm, context.tokens(), context.completions(), tokenizer.padId(), batch, shared);
            followUpLogProbs = scored.completions();
        } else {
            followUpLogProbs = scoring.tokenLogProbs(lm, context.tokens(), context.completions(), tokenizer.padId(), batch);
        }
        FollowUpLikelihoodReward.Result flr = context.result(followUps, followUpLogProbs, aggregation);
        double direct;
        if (response.isEmpty()) {
            direct = Double.NaN;
        } else if (shared) {
            direct = FollowUpLikelihoodReward.tokenMeanLogProb(java.util.Arrays.copyOfRange(scored.prompt(), promptTokens.length,
                    promptTokens.length + responseTokens.length));
        } else {
            direct = FollowUpLikelihoodReward.tokenMeanLogProb(CompletionLogProbs.forward(lm, List.of(promptTokens),
                    List.of(responseTokens), tokenizer.padId()).tokenLogProbs(0));
        }
        return new ResponseScores(flr, direct, shared);
    }

    /** Whether {@code tokens} begins with {@code a} followed by {@code b}. */
    private static boolean startsWith(int[] tokens, int[] a, int[] b) {
        if (a.length + b.length > tokens.length) {
            return false;
        }
        return java.util.Arrays.equals(tokens, 0, a.length, a, 0, a.length)
                && java.util.Arrays.equals(tokens, a.length, a.length + b.length, b, 0, b.length);
    }

    /** The tokens every follow-up is scored after, and each follow-up's own tokens. */
    private record FollowUpContext(int[] tokens, List<int[]> completions) {
        FollowUpLikelihoodReward.Result result(List<FollowUp> followUps, List<double[]> tokenLogProbs,
                                               FollowUpLikelihoodReward.Aggregation aggregation) {
            List<FollowUpLikelihoodReward.ScoredFollowUp> results = new ArrayList<>(followUps.size());
            for (int i = 0; i < followUps.size(); i++) {
                results.add(new FollowUpLikelihoodReward.ScoredFollowUp(followUps.get(i).category(), followUps.get(i).positive(),
                        tokenLogProbs.get(i)));
            }
            return FollowUpLikelihoodReward.score(results, aggregation);
        }
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
        FollowUpContext context = context(tokenizer, chat, conversation, role, followUps, includeEndOfTurn);
        return context.result(followUps, scoring.tokenLogProbs(lm, context.tokens(), context.completions(), tokenizer.padId(), batch),
                aggregation);
    }

    private static FollowUpContext context(Tokenizer tokenizer, ChatTemplate chat, List<Message> conversation, String role,
                                           List<FollowUp> followUps, boolean includeEndOfTurn) {
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
        return new FollowUpContext(context, completions);
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
