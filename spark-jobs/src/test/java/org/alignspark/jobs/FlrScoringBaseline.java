package org.alignspark.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.alignspark.common.lm.PrefixScoring;
import org.alignspark.flr.FollowUpScoring;
import org.alignspark.flr.FollowUps;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.rewards.FollowUpLikelihoodReward;
import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.ChatTemplate;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.common.tokenizer.Tokenizer;
import org.alignspark.common.tokenizer.Tokenizers;
import org.alignspark.data.demo.DemoWorld;

/**
 * bench/flr.sh's baseline: the same FLR and Direct scoring as flr-score's tasks, over the same responses, in one JVM
 * without Spark, on as many threads as the Spark run has cores (each thread with its own model replica, as each task
 * has). Prints responses/s and follow-up tokens/s. Arguments: scorer folder, the demo world's seed and K (the
 * rows demo-data wrote to {@code demo_candidates}), threads, and optionally flr-score's --scoring (prefix-cache).
 */
public final class FlrScoringBaseline {
    public static void main(String[] args) throws Exception {
        String scorer = args[0];
        List<String[]> rows = new ArrayList<>();
        for (var list : new DemoWorld(Long.parseLong(args[1]), List.of(), DemoDataJob.DEMO_FEEDBACK_REQUEST).candidates(Integer.parseInt(args[2]))) {
            list.getResponses().forEach(r -> rows.add(new String[]{list.getPrompt().get(0).getContent(), r.getText()}));
        }
        int threads = Integer.parseInt(args[3]);
        PrefixScoring scoring = PrefixScoring.parse(args.length > 4 ? args[4] : "prefix-cache");
        long started = System.nanoTime();
        CausalLM loaded = HfCheckpoint.load(scorer);
        Tokenizer tokenizer = Tokenizers.load(ModelFolder.of(scorer));
        ChatTemplate chat = ChatTemplate.load(ModelFolder.of(scorer), tokenizer);
        List<FollowUps.FollowUp> followUps = FollowUps.read("default");
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Long>> parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<String[]> mine = new ArrayList<>();
            for (int i = t; i < rows.size(); i += threads) {
                mine.add(rows.get(i));
            }
            parts.add(pool.submit(() -> {
                CausalLM lm = loaded.replica();
                ChatEncoder encoder = new ChatEncoder(tokenizer, chat);
                long followUpTokens = 0;
                for (String[] row : mine) {
                    List<Message> prompt = List.of(new Message("user", row[0]));
                    FollowUpScoring.ResponseScores scores = FollowUpScoring.scoreResponse(lm, encoder, prompt, row[1], null,
                            followUps, true, FollowUpLikelihoodReward.Aggregation.POOLED, 0, scoring);
                    FollowUpLikelihoodReward.Result flr = scores.flr();
                    double direct = scores.direct();
                    if (!Double.isFinite(flr.flr()) || !Double.isFinite(direct)) {
                        throw new IllegalStateException("non-finite score for " + row[1]);
                    }
                    for (FollowUps.FollowUp f : followUps) {
                        followUpTokens += tokenizer.encode(f.text()).length;
                    }
                }
                return followUpTokens;
            }));
        }
        long followUpTokens = 0;
        for (Future<Long> part : parts) {
            followUpTokens += part.get();
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("baseline_seconds=%.2f%nbaseline_responses_per_s=%.2f%nbaseline_follow_up_tokens_per_s=%.0f%nfollow_up_tokens=%d%n",
                seconds, rows.size() / seconds, followUpTokens / seconds, followUpTokens);
    }
}
