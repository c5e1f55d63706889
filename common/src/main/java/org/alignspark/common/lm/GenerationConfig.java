package org.alignspark.common.lm;

import java.util.List;

/**
 * How {@link Generator} decodes.
 *
 * @param temperature ≤ 0 means greedy (argmax)
 * @param topK        keep the k most likely tokens; 0 keeps all
 * @param topP        nucleus sampling: keep the most likely tokens whose probability reaches p; 1 keeps all
 * @param stopTokens  generation of a sequence ends after it emits one of these (it is kept in the output)
 * @param padId       fed for padding and for sequences that have stopped (always masked out)
 * @param useKvCache  decode one token per step against cached keys and values, instead of re-running the prefix
 */
public record GenerationConfig(int maxNewTokens, double temperature, int topK, double topP, int[] stopTokens,
                               int padId, boolean useKvCache, List<LogitProcessor> processors) {
    public GenerationConfig {
        if (maxNewTokens < 0 || topK < 0 || !(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("need maxNewTokens ≥ 0, topK ≥ 0 and 0 < topP ≤ 1");
        }
        stopTokens = stopTokens.clone();
        processors = List.copyOf(processors);
    }

    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, 0.0, 0, 1.0, new int[0], 0, true, List.of());
    }

    public static GenerationConfig sampling(int maxNewTokens, double temperature, int topK, double topP) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, new int[0], 0, true, List.of());
    }

    public GenerationConfig withStopTokens(int... tokens) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, tokens, padId, useKvCache, processors);
    }

    public GenerationConfig withMaxNewTokens(int tokens) {
        return new GenerationConfig(tokens, temperature, topK, topP, stopTokens, padId, useKvCache, processors);
    }

    public GenerationConfig withPadId(int id) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, stopTokens, id, useKvCache, processors);
    }

    public GenerationConfig withKvCache(boolean use) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, stopTokens, padId, use, processors);
    }

    public GenerationConfig withProcessors(LogitProcessor... list) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, stopTokens, padId, useKvCache,
                List.of(list));
    }

    boolean isStop(int token) {
        for (int s : stopTokens) {
            if (s == token) {
                return true;
            }
        }
        return false;
    }
}
