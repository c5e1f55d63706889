package org.alignspark.common.lm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Central finite differences in float64: dL/dθᵢ ≈ (L(θᵢ + ε) − L(θᵢ − ε)) / 2ε. An entry passes when
 * |analytic − numeric| ≤ 1e-6 · max(|analytic|, |numeric|), or ≤ 1e-9 absolutely for gradients that are ~0.
 */
final class FiniteDifferences {
    static final double EPS = 1e-5;
    static final double MAX_RELATIVE_ERROR = 1e-6;
    static final double ABSOLUTE_FLOOR = 1e-9;

    private FiniteDifferences() {
    }

    /** Checks {@code sample} entries of {@code x} (all when sample ≥ length), chosen by {@code seed}. */
    static void check(String name, INDArray x, INDArray analytic, DoubleSupplier loss, int sample, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long n = x.length();
        long count = Math.min(sample, n);
        double worst = 0;
        for (long k = 0; k < count; k++) {
            long i = count == n ? k : random.nextLong(n);
            double original = x.getDouble(i);
            x.putScalar(i, original + EPS);
            double plus = loss.getAsDouble();
            x.putScalar(i, original - EPS);
            double minus = loss.getAsDouble();
            x.putScalar(i, original);
            double numeric = (plus - minus) / (2 * EPS);
            double a = analytic.getDouble(i);
            double error = Math.abs(a - numeric);
            double relative = error / Math.max(Math.abs(a), Math.abs(numeric));
            boolean ok = error <= ABSOLUTE_FLOOR || relative <= MAX_RELATIVE_ERROR;
            if (error > ABSOLUTE_FLOOR) {
                worst = Math.max(worst, relative);
            }
            assertTrue(ok, name + "[" + i + "]: analytic " + a + " numeric " + numeric + " relative error " + relative);
        }
        assertTrue(worst <= MAX_RELATIVE_ERROR, name + ": worst relative error " + worst);
    }

    static INDArray gaussian(long seed, double std, long... shape) {
        SplittableRandom random = new SplittableRandom(seed);
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        double[] values = new double[(int) n];
        for (int i = 0; i < values.length; i++) {
            values[i] = std * (Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble()));
        }
        return Nd4j.create(values, shape, DataType.DOUBLE);
    }

    /** Σ a ⊙ b. */
    static double dot(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).mul(b.castTo(DataType.DOUBLE).reshape(a.shape())).sumNumber().doubleValue();
    }

    /** Overwrites every parameter with N(0, std) noise (norm gains around 1), so no gradient is trivially zero. */
    static void randomize(Parameters params, long seed, double std) {
        long s = seed;
        for (var e : params.values().entrySet()) {
            INDArray noise = gaussian(s++, std, e.getValue().shape());
            boolean gain = e.getKey().contains("norm") || e.getKey().contains("ln_");
            e.getValue().assign(gain && e.getKey().endsWith("weight") ? noise.addi(1.0) : noise);
        }
    }
}
