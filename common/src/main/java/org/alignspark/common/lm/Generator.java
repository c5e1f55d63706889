package org.alignspark.common.lm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Autoregressive decoding of a batch of prompts, left-padded so every row's newest token is in the last column.
 * Each sequence draws from its own {@code SplittableRandom(seed)}, once per generated token, so its output does
 * not depend on the batch it ran in, nor on the executor.
 */
public final class Generator {
    private Generator() {
    }

    /** The generated tokens of each prompt (a stop token, when reached, is the last one). */
    public static List<int[]> generate(CausalLM model, List<int[]> prompts, long[] seeds, GenerationConfig config) {
        int b = prompts.size();
        if (seeds.length != b) {
            throw new IllegalArgumentException(b + " prompts but " + seeds.length + " seeds");
        }
        if (config.maxNewTokens() == 0) {
            return prompts.stream().map(p -> new int[0]).toList();
        }
        Batch prompt = Batch.padded(prompts, Batch.Padding.LEFT, config.padId());
        int promptLength = prompt.length();
        // As Hugging Face's generate, stop at the model's context: a rambling sample is cut there, not an error.
        int room = model.config().maxPositions() - promptLength;
        if (room < 1) {
            throw new IllegalArgumentException("a prompt of " + promptLength + " tokens leaves no room to generate within max_positions "
                    + model.config().maxPositions());
        }
        if (config.maxNewTokens() > room) {
            config = config.withMaxNewTokens(room);
        }
        SplittableRandom[] random = new SplittableRandom[b];
        List<List<Integer>> generated = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            random[i] = new SplittableRandom(seeds[i]);
            generated.add(new ArrayList<>());
        }
        boolean[] done = new boolean[b];
        int[][] tokens = prompt.tokens();
        int[][] mask = prompt.mask();
        KvCache cache = config.useKvCache() ? model.newKvCache(b, promptLength + config.maxNewTokens()) : null;
        // copied out of the model's buffer: a processor's stream may run this very model before they are read
        double[][] logits = LogitStream.lastPosition(model.forward(prompt, cache));   // [B, V]
        List<LogitProcessor> processors = new ArrayList<>();
        for (LogitProcessor processor : config.processors()) {
            processors.add(processor.open(prompts, config));
        }
        for (int step = 0; step < config.maxNewTokens(); step++) {
            int[] next = new int[b];
            int[] nextMask = new int[b];
            for (int i = 0; i < b; i++) {
                next[i] = config.padId();
                if (done[i]) {
                    continue;
                }
                double[] z = logits[i];                                           // [V]
                int[] context = context(prompts.get(i), generated.get(i));
                for (LogitProcessor processor : processors) {
                    z = processor.process(i, context, z);
                }
                next[i] = Sampler.next(z, config, random[i]);
                nextMask[i] = 1;
                generated.get(i).add(next[i]);
                done[i] = config.isStop(next[i]);
            }
            boolean allDone = true;
            for (boolean d : done) {
                allDone &= d;
            }
            if (allDone || step == config.maxNewTokens() - 1) {
                break;
            }
            tokens = appendColumn(tokens, next);
            mask = appendColumn(mask, nextMask);
            logits = LogitStream.lastPosition(cache == null
                    ? model.forward(new Batch(tokens, mask))
                    : model.forward(new Batch(column(next), column(nextMask)), cache));
            for (LogitProcessor processor : processors) {
                processor.advance(next, nextMask);
            }
        }
        List<int[]> out = new ArrayList<>();
        for (List<Integer> g : generated) {
            out.add(g.stream().mapToInt(Integer::intValue).toArray());
        }
        return out;
    }

    static int[][] column(int[] values) {
        int[][] out = new int[values.length][1];
        for (int i = 0; i < values.length; i++) {
            out[i][0] = values[i];
        }
        return out;
    }

    private static int[] context(int[] prompt, List<Integer> generated) {
        int[] context = Arrays.copyOf(prompt, prompt.length + generated.size());
        for (int j = 0; j < generated.size(); j++) {
            context[prompt.length + j] = generated.get(j);
        }
        return context;
    }

    private static int[][] appendColumn(int[][] rows, int[] column) {
        int[][] out = new int[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = Arrays.copyOf(rows[i], rows[i].length + 1);
            out[i][rows[i].length] = column[i];
        }
        return out;
    }
}
