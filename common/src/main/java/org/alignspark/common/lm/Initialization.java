package org.alignspark.common.lm;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** GPT-2's initialisation (Radford et al. 2019), for either family: matrices N(0, 0.02), norm gains 1, biases 0. */
final class Initialization {
    private static final double STD = 0.02;
    private static final int CHUNK = 1 << 20;

    private Initialization() {
    }

    /**
     * Draws every matrix of {@code params} from N(0, 0.02²) in registration order from {@code seed}; vectors keep
     * the values they were registered with (gains 1, biases 0).
     */
    static void gpt2(Parameters params, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (INDArray p : params.values().values()) {
            if (p.rank() == 2) {
                INDArray flat = p.reshape(p.length());                               // a view: p is contiguous
                for (long start = 0; start < p.length(); start += CHUNK) {
                    double[] values = new double[(int) Math.min(CHUNK, p.length() - start)];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = STD * gaussian(random);
                    }
                    flat.get(NDArrayIndex.interval(start, start + values.length))
                            .assign(Nd4j.create(values, new long[] {values.length}, p.dataType()));
                }
            }
        }
    }

    private static double gaussian(SplittableRandom random) {
        // Box–Muller: one standard normal from two uniforms
        double u = 1.0 - random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
