package org.alignspark.common.lm.bench;

import java.util.SplittableRandom;
import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.CausalLM;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the engine benchmarks share: their integer arguments, random weights N(0, 0.02) and a batch of random token ids,
 * both seeded.
 */
final class BenchSetup {
    private BenchSetup() {
    }

    /** Argument {@code i} as an int, or {@code fallback} when there are fewer arguments. */
    static int arg(String[] args, int i, int fallback) {
        return args.length > i ? Integer.parseInt(args[i]) : fallback;
    }

    static CausalLM randomWeights(CausalLM model) {
        Nd4j.getRandom().setSeed(1);
        for (INDArray p : model.parameters().values().values()) {
            p.assign(Nd4j.randn(DataType.FLOAT, p.shape()).muli(0.02));
        }
        return model;
    }

    static Batch randomTokens(int batch, int length, int vocab) {
        SplittableRandom random = new SplittableRandom(7);
        int[][] ids = new int[batch][length];
        for (int[] row : ids) {
            for (int t = 0; t < length; t++) {
                row[t] = random.nextInt(vocab);
            }
        }
        return Batch.of(ids);
    }
}
