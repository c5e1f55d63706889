package org.alignspark.common.lm;

import java.util.List;

/**
 * How several completions of one prompt reach the model: behind a copy of the prompt each ({@link CompletionLogProbs})
 * or after the prompt computed once, its keys and values shared by all of them ({@link SharedPrefixLogProbs}). The same
 * scores to rounding, for every model family; inference only.
 */
public enum PrefixScoring {
    /** One padded batch, each row a full copy of the prompt followed by one completion. */
    BATCHED,
    /** The prompt computed once into a KV cache; its completions run as one batch attending to it. */
    PREFIX_CACHE;

    /** {@code batched} or {@code prefix-cache}, as the jobs' {@code --scoring} option spells them. */
    public static PrefixScoring parse(String name) {
        for (PrefixScoring s : values()) {
            if (s.name().toLowerCase().replace('_', '-').equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("--scoring must be batched or prefix-cache, not " + name);
    }

    /** Token log-probs of each completion after {@code prompt}, [|y_i|] per completion; {@code batch} rows per pass (0: all). */
    public List<double[]> tokenLogProbs(CausalLM lm, int[] prompt, List<int[]> completions, int padId, int batch) {
        if (this == PREFIX_CACHE) {
            return SharedPrefixLogProbs.tokenLogProbs(lm, prompt, completions, padId, batch);
        }
        int size = batch <= 0 ? completions.size() : batch;
        List<double[]> out = new java.util.ArrayList<>(completions.size());
        for (int start = 0; start < completions.size(); start += size) {
            int end = Math.min(start + size, completions.size());
            CompletionLogProbs scored = CompletionLogProbs.forward(lm, java.util.Collections.nCopies(end - start, prompt),
                    completions.subList(start, end), padId);
            for (int i = start; i < end; i++) {
                out.add(scored.tokenLogProbs(i - start));
            }
        }
        return out;
    }
}
