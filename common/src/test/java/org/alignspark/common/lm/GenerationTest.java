package org.alignspark.common.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class GenerationTest {
    private static final List<int[]> PROMPTS = List.of(new int[] {5, 9, 2}, new int[] {7}, new int[] {1, 2, 3, 4, 5});
    private static final long[] SEEDS = {11, 22, 33};

    private static List<CausalLM> models(DataType type) {
        List<CausalLM> models = new ArrayList<>();
        for (ModelConfig config : new ModelConfig[] {ModelConfig.gpt2(48, 16, 2, 2, 32),
                ModelConfig.llama(48, 16, 2, 4, 2, 24, 32),
                ModelConfig.llama(48, 16, 2, 4, 2, 24, 32).toBuilder().family(ModelFamily.QWEN3).headDim(6).build(),
                ModelConfig.llama(48, 16, 2, 4, 2, 24, 32).toBuilder().family(ModelFamily.MISTRAL).slidingWindow(3)
                        .build(),
                ModelConfig.llama(48, 16, 2, 4, 2, 24, 32).toBuilder().family(ModelFamily.GEMMA2).headDim(6)
                        .tieWordEmbeddings(true).slidingWindow(3).gemmaScaling(5, 1.0, 2.0).build()}) {
            CausalLM model = new CausalLM(config.withDataType(type));
            FiniteDifferences.randomize(model.parameters(), 5, 0.4);   // peaked distributions, no near-ties
            models.add(model);
        }
        return models;
    }

    @Test
    void cachedDecodingMatchesUncached() {
        for (CausalLM model : models(DataType.FLOAT)) {
            for (GenerationConfig config : new GenerationConfig[] {GenerationConfig.greedy(12),
                    GenerationConfig.sampling(12, 0.9, 20, 0.95)}) {
                List<int[]> cached = Generator.generate(model, PROMPTS, SEEDS, config.withKvCache(true));
                List<int[]> uncached = Generator.generate(model, PROMPTS, SEEDS, config.withKvCache(false));
                for (int i = 0; i < PROMPTS.size(); i++) {
                    assertEquals(12, cached.get(i).length);
                    assertArrayEquals(uncached.get(i), cached.get(i), model.config().family() + " sequence " + i);
                }
            }
        }
    }

    @Test
    void generationStopsAtTheModelsContext() {
        for (CausalLM model : models(DataType.FLOAT)) {   // max_positions 32; the longest prompt has 5 tokens
            for (boolean cached : new boolean[] {true, false}) {
                List<int[]> out = Generator.generate(model, PROMPTS, SEEDS, GenerationConfig.sampling(100, 1.0, 0, 1.0).withKvCache(cached));
                out.forEach(tokens -> assertEquals(27, tokens.length));   // the batch is left-padded to 5: 32 − 5
            }
            IllegalArgumentException full = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Generator.generate(model, List.of(new int[32]), new long[] {1}, GenerationConfig.greedy(4)));
            org.junit.jupiter.api.Assertions.assertTrue(full.getMessage().contains("leaves no room"), full.getMessage());
        }
    }

    @Test
    void seededSamplingGivesTheSameTokensAloneOrInABatch() {
        GenerationConfig config = GenerationConfig.sampling(10, 1.0, 0, 1.0);
        for (CausalLM model : models(DataType.DOUBLE)) {
            List<int[]> batched = Generator.generate(model, PROMPTS, SEEDS, config);
            for (int i = 0; i < PROMPTS.size(); i++) {
                List<int[]> alone = Generator.generate(model, List.of(PROMPTS.get(i)), new long[] {SEEDS[i]}, config);
                assertArrayEquals(alone.get(0), batched.get(i));
            }
            List<int[]> otherSeeds = Generator.generate(model, PROMPTS, new long[] {1, 2, 3}, config);
            boolean anyDifferent = false;
            for (int i = 0; i < PROMPTS.size(); i++) {
                anyDifferent |= !java.util.Arrays.equals(otherSeeds.get(i), batched.get(i));
            }
            assertTrue(anyDifferent, "different seeds should give different samples");
        }
    }

    @Test
    void generationEndsAtStopTokenAndKeepsIt() {
        CausalLM model = models(DataType.FLOAT).get(1);
        int stop = 47;
        // the processor forces the stop token once two tokens have been generated after the prompt
        LogitProcessor forceStop = (sequence, context, logits) -> {
            if (context.length == PROMPTS.get(sequence).length + 2) {
                logits[stop] = 1e9;
            }
            return logits;
        };
        List<int[]> out = Generator.generate(model, PROMPTS, SEEDS,
                GenerationConfig.greedy(10).withStopTokens(stop).withProcessors(forceStop));
        for (int[] completion : out) {
            assertEquals(3, completion.length);
            assertEquals(stop, completion[2]);
        }
    }

    @Test
    void logitProcessorCanBanTokens() {
        CausalLM model = models(DataType.FLOAT).get(0);
        List<int[]> free = Generator.generate(model, PROMPTS, SEEDS, GenerationConfig.greedy(6));
        int banned = free.get(0)[0];
        LogitProcessor ban = (sequence, context, logits) -> {
            logits[banned] = Double.NEGATIVE_INFINITY;
            return logits;
        };
        for (int[] completion : Generator.generate(model, PROMPTS, SEEDS,
                GenerationConfig.sampling(6, 1.0, 0, 1.0).withProcessors(ban))) {
            for (int token : completion) {
                assertFalse(token == banned);
            }
        }
    }

    @Test
    void samplerFollowsTemperatureTopKAndTopP() {
        double[] logits = {Math.log(0.5), Math.log(0.3), Math.log(0.2)};
        SplittableRandom random = new SplittableRandom(1);
        int[] counts = new int[3];
        for (int i = 0; i < 4000; i++) {
            counts[Sampler.next(logits, GenerationConfig.sampling(1, 1.0, 0, 1.0), random)]++;
        }
        assertEquals(0.5, counts[0] / 4000.0, 0.03);
        assertEquals(0.3, counts[1] / 4000.0, 0.03);
        assertEquals(0.2, counts[2] / 4000.0, 0.03);
        for (int i = 0; i < 200; i++) {
            assertTrue(Sampler.next(logits, GenerationConfig.sampling(1, 1.0, 2, 1.0), random) < 2);
            assertTrue(Sampler.next(logits, GenerationConfig.sampling(1, 1.0, 0, 0.75), random) < 2);
            assertEquals(0, Sampler.next(logits, GenerationConfig.sampling(1, 1.0, 0, 0.4), random));
            assertEquals(0, Sampler.next(logits, GenerationConfig.sampling(1, 1.0, 1, 1.0), random));
        }
        assertEquals(0, Sampler.next(logits, GenerationConfig.greedy(1), random));
    }
}
