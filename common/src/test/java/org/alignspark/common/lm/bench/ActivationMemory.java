package org.alignspark.common.lm.bench;

import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.ModelConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Activation bytes a training step holds per transformer block ({@link CausalLM#activationBytes()} after forward, log-probs
 * and backward), with every block's activations kept and with gradient checkpointing, for a Llama-family block of the given
 * shape: measured on models of 2 and 4 such blocks over a small vocabulary, the difference halved, so the embeddings and
 * the head (which do not grow with depth) drop out. Prints {@code key=value} lines. Arguments: batch, length, d_model,
 * heads, kv_heads, d_ff (default: Qwen2.5-0.5B's block, 4 × 256 tokens).
 */
public final class ActivationMemory {
    private ActivationMemory() {
    }

    public static void main(String[] args) {
        int batch = BenchSetup.arg(args, 0, 4);
        int length = BenchSetup.arg(args, 1, 256);
        int d = BenchSetup.arg(args, 2, 896);
        int heads = BenchSetup.arg(args, 3, 14);
        int kvHeads = BenchSetup.arg(args, 4, 2);
        int dFf = BenchSetup.arg(args, 5, 4864);
        long tokens = (long) batch * length;
        for (boolean checkpointing : new boolean[] {false, true}) {
            long two = stepBytes(batch, length, d, heads, kvHeads, dFf, 2, checkpointing);
            long four = stepBytes(batch, length, d, heads, kvHeads, dFf, 4, checkpointing);
            String mode = checkpointing ? "checkpointed" : "kept";
            double perLayer = (four - two) / 2.0;
            System.out.printf("%s_bytes_per_layer=%.0f%n", mode, perLayer);
            System.out.printf("%s_bytes_per_token_per_layer=%.1f%n", mode, perLayer / tokens);
            System.out.printf("%s_bytes_4_layers=%d%n", mode, four);
        }
        System.out.printf("shape: batch=%d length=%d d=%d heads=%d kv_heads=%d d_ff=%d float32%n", batch, length, d, heads,
                kvHeads, dFf);
    }

    private static long stepBytes(int batch, int length, int d, int heads, int kvHeads, int dFf, int layers,
                                  boolean checkpointing) {
        int vocab = 512;
        CausalLM model = BenchSetup.randomWeights(new CausalLM(ModelConfig.llama(vocab, d, layers, heads, kvHeads, dFf, length))
                .setGradientCheckpointing(checkpointing));
        Batch input = BenchSetup.randomTokens(batch, length, vocab);
        model.forwardHidden(input);
        model.logProbs(model.nextTokenTargets());
        model.backwardFromLogProbs(Nd4j.valueArrayOf(new long[] {batch, length}, -1.0, DataType.FLOAT), null);
        return model.activationBytes();
    }

}
