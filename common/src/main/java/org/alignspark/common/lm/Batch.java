package org.alignspark.common.lm;

import java.util.Arrays;
import java.util.List;

/**
 * Token sequences padded to one length, with an attention mask (1 = real token, 0 = padding).
 * Padding may sit on either side; position ids count real tokens only (Hugging Face's
 * {@code cumsum(mask) − 1}), so a left-padded row is computed exactly like the unpadded sequence.
 */
public record Batch(int[][] tokens, int[][] mask) {
    public enum Padding { LEFT, RIGHT }

    public Batch {
        if (tokens.length == 0 || tokens.length != mask.length) {
            throw new IllegalArgumentException("tokens and mask need the same, non-zero number of rows");
        }
        int t = tokens[0].length;
        for (int b = 0; b < tokens.length; b++) {
            if (tokens[b].length != t || mask[b].length != t) {
                throw new IllegalArgumentException("row " + b + " does not have length " + t);
            }
        }
    }

    /** Unpadded rows of equal length. */
    public static Batch of(int[]... tokens) {
        int[][] mask = new int[tokens.length][];
        for (int b = 0; b < tokens.length; b++) {
            mask[b] = new int[tokens[b].length];
            Arrays.fill(mask[b], 1);
        }
        return new Batch(tokens, mask);
    }

    /** Pads sequences to the longest one with {@code padId} on the given side. */
    public static Batch padded(List<int[]> sequences, Padding padding, int padId) {
        int t = sequences.stream().mapToInt(s -> s.length).max().orElseThrow();
        int[][] tokens = new int[sequences.size()][t];
        int[][] mask = new int[sequences.size()][t];
        for (int b = 0; b < tokens.length; b++) {
            int[] seq = sequences.get(b);
            int start = padding == Padding.LEFT ? t - seq.length : 0;
            Arrays.fill(tokens[b], padId);
            System.arraycopy(seq, 0, tokens[b], start, seq.length);
            Arrays.fill(mask[b], start, start + seq.length, 1);
        }
        return new Batch(tokens, mask);
    }

    public int batchSize() {
        return tokens.length;
    }

    public int length() {
        return tokens[0].length;
    }

    /** Column index of row b's first real token (0 unless left-padded). */
    public int start(int b) {
        int t = 0;
        while (t < length() && mask[b][t] == 0) {
            t++;
        }
        return t;
    }

    /** Targets for next-token prediction: tokens[b][t+1] where both t and t+1 are real, else −1. */
    public int[][] nextTokenTargets() {
        int[][] out = new int[batchSize()][length()];
        for (int b = 0; b < batchSize(); b++) {
            for (int t = 0; t < length(); t++) {
                boolean scored = t + 1 < length() && mask[b][t] == 1 && mask[b][t + 1] == 1;
                out[b][t] = scored ? tokens[b][t + 1] : -1;
            }
        }
        return out;
    }

    /** Position ids: real tokens already seen before this batch plus cumsum(mask) − 1; 0 on padding. */
    int[][] positions(int[] realTokensBefore) {
        int[][] positions = new int[batchSize()][length()];
        for (int b = 0; b < batchSize(); b++) {
            int seen = realTokensBefore == null ? 0 : realTokensBefore[b];
            for (int t = 0; t < length(); t++) {
                seen += mask[b][t];
                positions[b][t] = mask[b][t] == 1 ? seen - 1 : 0;
            }
        }
        return positions;
    }
}
