package org.alignspark.common.lm;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Keys and values of every layer for the positions already processed, so that decoding one more token costs
 * one token's forward pass. Keys are stored after RoPE. Created by {@link CausalLM#newKvCache(int, int)}.
 */
public final class KvCache {
    final INDArray[] keys;    // per layer [B, kv_heads, capacity, head_dim]
    final INDArray[] values;  // per layer [B, kv_heads, capacity, head_dim]
    final int[][] keyMask;    // [B, capacity], 1 where the key is a real token
    final int[] realTokens;   // [B] real tokens seen so far: the next position id of each row
    private final int capacity;
    private int length;

    KvCache(ModelConfig config, int batch, int capacity) {
        this.capacity = capacity;
        this.keys = new INDArray[config.nLayers()];
        this.values = new INDArray[config.nLayers()];
        for (int l = 0; l < config.nLayers(); l++) {
            keys[l] = Nd4j.create(config.dataType(), batch, config.nKvHeads(), capacity, config.headDim());
            values[l] = Nd4j.create(config.dataType(), batch, config.nKvHeads(), capacity, config.headDim());
        }
        this.keyMask = new int[batch][capacity];
        this.realTokens = new int[batch];
    }

    /** Positions filled so far (the same for every row; padding counts). */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    public int batchSize() {
        return realTokens.length;
    }

    /** Records a step of {@code mask[b].length} new tokens; called once per forward, after all layers ran. */
    void advance(int[][] mask) {
        int t = mask[0].length;
        for (int b = 0; b < mask.length; b++) {
            for (int j = 0; j < t; j++) {
                keyMask[b][length + j] = mask[b][j];
                realTokens[b] += mask[b][j];
            }
        }
        length += t;
    }
}
