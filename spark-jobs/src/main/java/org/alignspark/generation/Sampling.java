package org.alignspark.generation;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import org.alignspark.common.lm.GenerationConfig;
import org.alignspark.common.tokenizer.Tokenizer;
import org.alignspark.data.PromptIds;

/** Decoding settings as they travel to executors (a GenerationConfig may carry logit processors that do not). */
public record Sampling(int maxNewTokens, double temperature, int topK, double topP) implements Serializable {

    public GenerationConfig config() {
        return temperature == 0 ? GenerationConfig.greedy(maxNewTokens)
                : GenerationConfig.sampling(maxNewTokens, temperature, topK, topP);
    }

    /** {@link #config()} stopping at the tokenizer's end of sequence, padding with its pad token. */
    public GenerationConfig config(Tokenizer tokenizer) {
        return config().withStopTokens(tokenizer.eosId()).withPadId(tokenizer.padId());
    }

    /**
     * The seed of sample k of a prompt: a function of the run's seed, the prompt id and k only, so a re-run or a retried
     * task writes the same text, and two policies sampled with the same seed draw the same random numbers.
     */
    public static long sampleSeed(long seed, String promptId, int k) {
        return ByteBuffer.wrap(HexFormat.of().parseHex(PromptIds.contentId(seed, promptId, k))).getLong();
    }

    /** Generated token lists as text, each without the stop token it ended on. */
    public static List<String> texts(Tokenizer tokenizer, List<int[]> generated, int[] stopTokens) {
        List<String> texts = new ArrayList<>(generated.size());
        for (int[] tokens : generated) {
            texts.add(tokenizer.decode(withoutStop(tokens, stopTokens)));
        }
        return texts;
    }

    private static int[] withoutStop(int[] tokens, int[] stops) {
        if (tokens.length > 0) {
            for (int stop : stops) {
                if (tokens[tokens.length - 1] == stop) {
                    return Arrays.copyOf(tokens, tokens.length - 1);
                }
            }
        }
        return tokens;
    }
}
