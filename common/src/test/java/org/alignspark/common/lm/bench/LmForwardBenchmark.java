package org.alignspark.common.lm.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.ModelConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Forward + log-softmax, and one training step, of a GPT-2-small-shaped model (random weights) on a batch of
 * token ids; and, in the same run, a plain {@code Nd4j.gemm} of the same matrix shapes as the ceiling.
 * Prints one {@code key=value} line per figure, and the engine's thread settings ({@code EngineThreads}, from
 * {@code ALIGNSPARK_ENGINE_THREADS}). Arguments: batch, length, layers, d_model, heads, vocab, iterations.
 */
public final class LmForwardBenchmark {
    private LmForwardBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int batch = BenchSetup.arg(args, 0, 4);
        int length = BenchSetup.arg(args, 1, 128);
        int layers = BenchSetup.arg(args, 2, 12);
        int d = BenchSetup.arg(args, 3, 768);
        int heads = BenchSetup.arg(args, 4, 12);
        int vocab = BenchSetup.arg(args, 5, 50257);
        int iterations = BenchSetup.arg(args, 6, 5);
        ModelConfig config = ModelConfig.gpt2(vocab, d, layers, heads, 1024);
        CausalLM model = BenchSetup.randomWeights(new CausalLM(config));
        long params = model.parameters().count();
        int tokens = batch * length;
        Batch input = BenchSetup.randomTokens(batch, length, vocab);

        double logitsOnly = time(iterations, () -> model.forward(input));
        double forward = time(iterations, () -> {
            model.forward(input);
            model.logProbs(model.nextTokenTargets());
        });
        INDArray dLogProbs = Nd4j.valueArrayOf(new long[] {batch, length}, -1.0 / tokens, DataType.FLOAT);
        double train = time(Math.max(1, iterations / 2), () -> {
            model.forward(input);
            model.logProbs(model.nextTokenTargets());
            model.backwardFromLogProbs(dLogProbs, null);
        });
        double gemm = gemmCeiling(tokens, d, layers, vocab, iterations);
        double forwardGflops = 2.0 * params * tokens / forward / 1e9;
        double trainGflops = 6.0 * params * tokens / train / 1e9;
        System.out.printf("engine=%s%n", org.alignspark.common.lm.EngineThreads.ensureConfigured().describe());
        System.out.printf("params=%d%n", params);
        System.out.printf("forward_logits_only_seconds=%.4f%n", logitsOnly);
        System.out.printf("forward_seconds=%.4f%n", forward);
        System.out.printf("forward_tokens_per_s=%.1f%n", tokens / forward);
        System.out.printf("forward_gflops=%.1f%n", forwardGflops);
        System.out.printf("train_step_seconds=%.4f%n", train);
        System.out.printf("train_tokens_per_s=%.1f%n", tokens / train);
        System.out.printf("train_gflops=%.1f%n", trainGflops);
        System.out.printf("gemm_ceiling_gflops=%.1f%n", gemm);
        System.out.printf("forward_fraction_of_gemm=%.2f%n", forwardGflops / gemm);
        System.out.printf("peak_rss_mb=%d%n", peakRssKb() / 1024);
    }

    /** GFLOP/s of Nd4j.gemm over the forward pass's own matrix products: per layer qkv, proj, fc, fc-proj; LM head. */
    private static double gemmCeiling(int n, int d, int layers, int vocab, int iterations) {
        int[][] shapes = {{n, d, 3 * d}, {n, d, d}, {n, d, 4 * d}, {n, 4 * d, d}};
        INDArray[][] operands = new INDArray[shapes.length + 1][];
        for (int s = 0; s < shapes.length; s++) {
            int[] mkn = shapes[s];
            operands[s] = new INDArray[] {Nd4j.rand(DataType.FLOAT, mkn[0], mkn[1]),
                    Nd4j.rand(DataType.FLOAT, mkn[1], mkn[2]), Nd4j.create(DataType.FLOAT, mkn[0], mkn[2])};
        }
        operands[shapes.length] = new INDArray[] {Nd4j.rand(DataType.FLOAT, n, d),
                Nd4j.rand(DataType.FLOAT, vocab, d), Nd4j.create(DataType.FLOAT, n, vocab)};
        double flops = 2.0 * n * d * vocab;
        for (int[] mkn : shapes) {
            flops += 2.0 * layers * mkn[0] * mkn[1] * mkn[2];
        }
        double seconds = time(iterations, () -> {
            for (int l = 0; l < layers; l++) {
                for (int s = 0; s < shapes.length; s++) {
                    Nd4j.gemm(operands[s][0], operands[s][1], operands[s][2], false, false, 1.0, 0.0);
                }
            }
            INDArray[] head = operands[shapes.length];
            Nd4j.gemm(head[0], head[1], head[2], false, true, 1.0, 0.0);
        });
        return flops / seconds / 1e9;
    }

    /** Median seconds of {@code iterations} runs after one warm-up run. */
    private static double time(int iterations, Runnable work) {
        work.run();
        double[] seconds = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long start = System.nanoTime();
            work.run();
            seconds[i] = (System.nanoTime() - start) / 1e9;
        }
        java.util.Arrays.sort(seconds);
        return seconds[iterations / 2];
    }

    private static long peakRssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
