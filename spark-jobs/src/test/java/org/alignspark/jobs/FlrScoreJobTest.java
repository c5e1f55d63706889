package org.alignspark.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.alignspark.common.lm.PrefixScoring;
import org.alignspark.flr.FollowUpScoring;
import org.alignspark.flr.FollowUps;
import org.alignspark.Main;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.rewards.FollowUpLikelihoodReward;
import org.alignspark.common.tokenizer.ChatTemplate;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.common.tokenizer.Tokenizer;
import org.alignspark.common.tokenizer.Tokenizers;
import org.alignspark.testing.TestSpark;
import org.alignspark.testing.TinyModels;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlrScoreJobTest {
    private static final String DT = "2026-11-27";

    @TempDir
    Path tmp;

    @Test
    void defaultFollowUpsHaveSixCategoriesOfTenAndTen() {
        List<FollowUps.FollowUp> followUps = FollowUps.read("default");
        assertEquals(120, followUps.size());
        assertEquals(6, followUps.stream().map(FollowUps.FollowUp::category).distinct().count());
        assertEquals(60, followUps.stream().filter(FollowUps.FollowUp::positive).count());
    }

    @Test
    void batchedFollowUpsScoreAsEachAlone() {
        Path folder = TinyModels.gpt2(tmp.resolve("scorer"), 6);
        CausalLM lm = HfCheckpoint.load(folder.toString());
        Tokenizer tokenizer = Tokenizers.load(ModelFolder.of(folder.toString()));
        ChatTemplate chat = ChatTemplate.load(ModelFolder.of(folder.toString()), tokenizer);
        List<Message> conversation = List.of(new Message("user", "What is 2 + 2?"), new Message("assistant", "4"));
        List<FollowUps.FollowUp> followUps = FollowUps.read("default").subList(0, 20);
        FollowUpLikelihoodReward.Result batched = FollowUpScoring.scoreFollowUps(lm, tokenizer, chat, conversation, "user",
                followUps, true, FollowUpLikelihoodReward.Aggregation.POOLED, 0, PrefixScoring.BATCHED);
        FollowUpLikelihoodReward.Result inSevens = FollowUpScoring.scoreFollowUps(lm, tokenizer, chat, conversation, "user",
                followUps, true, FollowUpLikelihoodReward.Aggregation.POOLED, 7, PrefixScoring.BATCHED);
        assertEquals(batched.flr(), inSevens.flr(), 1e-5);
        double positive = 0;
        double negative = 0;
        for (FollowUps.FollowUp f : followUps) {
            // f alone (as a positive, and once more as a negative so the FLR is defined): l(f) is its positive mean.
            List<FollowUps.FollowUp> alone = List.of(new FollowUps.FollowUp(f.category(), true, f.text()),
                    new FollowUps.FollowUp(f.category(), false, f.text()));
            double l = FollowUpScoring.scoreFollowUps(lm, tokenizer, chat, conversation, "user", alone, true,
                    FollowUpLikelihoodReward.Aggregation.POOLED, 0, PrefixScoring.BATCHED).positiveMean();
            if (f.positive()) {
                positive += l / 10;
            } else {
                negative += l / 10;
            }
        }
        assertEquals(positive, batched.positiveMean(), 1e-5);
        assertEquals(negative, batched.negativeMean(), 1e-5);
        assertEquals(positive - negative, batched.flr(), 1e-5);
    }

    @Test
    void theDirectBaselineReadFromTheConversationPassEqualsItsOwnPass() {
        for (Path folder : List.of(TinyModels.gpt2(tmp.resolve("gpt2-direct"), 6), TinyModels.llama(tmp.resolve("llama-direct"), 6))) {
            CausalLM lm = HfCheckpoint.load(folder.toString());
            org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(3);   // sharpen init-model's nearly uniform weights
            lm.parameters().values().values().forEach(a -> a.assign(org.nd4j.linalg.factory.Nd4j.randn(a.dataType(), a.shape()).muli(0.3)));
            Tokenizer tokenizer = Tokenizers.load(ModelFolder.of(folder.toString()));
            ChatEncoder encoder = new ChatEncoder(tokenizer, ChatTemplate.load(ModelFolder.of(folder.toString()), tokenizer));
            List<Message> prompt = List.of(new Message("user", "What is 2 + 2? Explain it to a child, step by step."));
            String response = "Take two apples, then two more: count them, one, two, three, four. So 2 + 2 is 4.";
            List<FollowUps.FollowUp> followUps = FollowUps.read("default");
            // Independent of both scoring paths: the response alone after the prompt, one row, no cache.
            double expected = FollowUpLikelihoodReward.tokenMeanLogProb(CompletionLogProbs.forward(lm, List.of(encoder.prompt(prompt)),
                    List.of(encoder.completion(prompt, response)), tokenizer.padId()).tokenLogProbs(0));
            for (String feedbackRequest : new String[] {null, FollowUpLikelihoodReward.FEEDBACK_REQUEST}) {
                String what = folder.getFileName() + (feedbackRequest == null ? " standard" : " role-swapped");
                FollowUpScoring.ResponseScores batched = FollowUpScoring.scoreResponse(lm, encoder, prompt, response, feedbackRequest,
                        followUps, true, FollowUpLikelihoodReward.Aggregation.POOLED, 0, PrefixScoring.BATCHED);
                FollowUpScoring.ResponseScores cached = FollowUpScoring.scoreResponse(lm, encoder, prompt, response, feedbackRequest,
                        followUps, true, FollowUpLikelihoodReward.Aggregation.POOLED, 0, PrefixScoring.PREFIX_CACHE);
                // The standard conversation begins with the prompt and the response: Direct comes from its pass.
                assertEquals(feedbackRequest == null, cached.directFromConversation(), what);
                assertEquals(false, batched.directFromConversation(), what);
                assertEquals(expected, batched.direct(), 1e-9, what);
                assertEquals(expected, cached.direct(), 1e-5, what);
                assertEquals(batched.flr().flr(), cached.flr().flr(), 1e-5, what);
            }
            FollowUpScoring.ResponseScores empty = FollowUpScoring.scoreResponse(lm, encoder, prompt, "", null,
                    followUps, true, FollowUpLikelihoodReward.Aggregation.POOLED, 0, PrefixScoring.PREFIX_CACHE);
            assertTrue(Double.isNaN(empty.direct()));
        }
    }

    @Test
    void prefixCacheScoresEqualBatchedOnGpt2AndLlamaInBothTemplates() {
        for (Path folder : List.of(TinyModels.gpt2(tmp.resolve("gpt2"), 6), TinyModels.llama(tmp.resolve("llama"), 6))) {
            CausalLM lm = HfCheckpoint.load(folder.toString());
            org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(3);   // init-model's N(0, 0.02) is nearly uniform: sharpen it
            lm.parameters().values().values().forEach(a -> a.assign(org.nd4j.linalg.factory.Nd4j.randn(a.dataType(), a.shape()).muli(0.3)));
            Tokenizer tokenizer = Tokenizers.load(ModelFolder.of(folder.toString()));
            ChatTemplate chat = ChatTemplate.load(ModelFolder.of(folder.toString()), tokenizer);
            List<Message> prompt = List.of(new Message("user", "What is 2 + 2? Explain it to a child, step by step."));
            String response = "Take two apples, then two more: count them, one, two, three, four. So 2 + 2 is 4.";
            List<FollowUps.FollowUp> followUps = FollowUps.read("default");   // 120, of 1 to 9 words: ragged rows
            for (boolean roleSwapped : new boolean[] {false, true}) {
                List<Message> conversation = new java.util.ArrayList<>(prompt);
                conversation.add(new Message("assistant", response));
                if (roleSwapped) {
                    conversation = FollowUpLikelihoodReward.roleSwapped(FollowUpLikelihoodReward.FEEDBACK_REQUEST, prompt, response);
                }
                String role = roleSwapped ? "assistant" : "user";
                for (int batch : new int[] {0, 7}) {
                    FollowUpLikelihoodReward.Result batched = FollowUpScoring.scoreFollowUps(lm, tokenizer, chat, conversation, role,
                            followUps, true, FollowUpLikelihoodReward.Aggregation.CATEGORY_MEAN, batch, PrefixScoring.BATCHED);
                    FollowUpLikelihoodReward.Result cached = FollowUpScoring.scoreFollowUps(lm, tokenizer, chat, conversation, role,
                            followUps, true, FollowUpLikelihoodReward.Aggregation.CATEGORY_MEAN, batch, PrefixScoring.PREFIX_CACHE);
                    String what = folder.getFileName() + (roleSwapped ? " role-swapped" : " standard") + " batch " + batch;
                    assertEquals(batched.flr(), cached.flr(), 1e-5, what);
                    assertEquals(batched.positiveMean(), cached.positiveMean(), 1e-5, what);
                    assertEquals(batched.negativeMean(), cached.negativeMean(), 1e-5, what);
                    assertEquals(batched.perCategory().keySet(), cached.perCategory().keySet(), what);
                    batched.perCategory().forEach((category, flr) ->
                            assertEquals(flr, cached.perCategory().get(category), 1e-5, what + " " + category));
                }
            }
        }
    }

    @Test
    void scoresEveryResponseWithFlrPerCategoryAndDirect() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        assertEquals(0, Main.run("ingest", "--format", "candidates", "--input", TestSpark.samples("candidates.jsonl").toString(),
                "--dataset", "cands", "--dt", DT, "--warehouse", warehouse));
        Path scorer = TinyModels.gpt2(tmp.resolve("scorer"), 7);
        assertEquals(0, Main.run("flr-score", "--responses", "cands", "--dt", DT, "--scorer", scorer.toString(),
                "--output", "cands_flr", "--warehouse", warehouse));
        long responses = spark.sql("SELECT size(responses) FROM cands").collectAsList().stream().mapToLong(r -> r.getInt(0)).sum();
        assertEquals(responses, spark.sql("SELECT * FROM cands_flr").count());
        Row row = spark.sql("SELECT flr, positive_mean, negative_mean, size(category_scores), direct, scorer_id FROM cands_flr LIMIT 1").first();
        assertEquals(row.getDouble(1) - row.getDouble(2), row.getDouble(0), 1e-9);
        assertEquals(6, row.getInt(3));
        assertTrue(row.getDouble(4) < 0, "direct is a log-likelihood: " + row.getDouble(4));

        Path custom = tmp.resolve("follow-ups.json");
        Files.writeString(custom, "{\"correctness\": {\"positive\": [\"Right.\"], \"negative\": [\"Wrong.\"]}}");
        assertEquals(0, Main.run("flr-score", "--responses", "cands", "--dt", DT, "--scorer", scorer.toString(),
                "--output", "cands_flr_swapped", "--follow-ups", custom.toString(), "--template", "role-swapped",
                "--warehouse", warehouse));
        assertEquals(1, spark.sql("SELECT size(category_scores) FROM cands_flr_swapped LIMIT 1").first().getInt(0));

        // A pair table is scored on both sides, as <pair_id>:chosen and <pair_id>:rejected.
        assertEquals(0, Main.run("ingest", "--format", "trl", "--input", TestSpark.samples("trl-pairs.jsonl").toString(),
                "--dataset", "labelled", "--dt", DT, "--warehouse", warehouse));
        assertEquals(0, Main.run("flr-score", "--responses", "labelled", "--dt", DT, "--scorer", scorer.toString(),
                "--output", "labelled_flr", "--follow-ups", custom.toString(), "--warehouse", warehouse));
        assertEquals(2 * spark.sql("SELECT * FROM labelled").count(),
                spark.sql("SELECT * FROM labelled_flr WHERE response_id LIKE '%:chosen' OR response_id LIKE '%:rejected'").count());
    }
}
