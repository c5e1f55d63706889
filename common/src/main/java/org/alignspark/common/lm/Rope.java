package org.alignspark.common.lm;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Rotary position embedding (Su et al. 2021) in Hugging Face's rotate_half convention: the head dimension is
 * split into halves [x₁, x₂] and rotated pairwise, x' = [x₁cos − x₂sin, x₂cos + x₁sin], with angle
 * pos · θ^(−2i/head_dim) for i &lt; head_dim/2. Backward is the rotation by the opposite angle.
 */
final class Rope {
    private Rope() {
    }

    /** θ^(−2i/head_dim) for i < head_dim/2, rescaled as Llama 3 does when {@code scaling} is given. */
    static double[] inverseFrequencies(int headDim, double theta, ModelConfig.RopeScaling scaling) {
        double[] inv = new double[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = Math.pow(theta, -2.0 * i / headDim);
            if (scaling != null) {
                double wavelength = 2 * Math.PI / inv[i];
                double longest = scaling.originalMaxPositions() / scaling.lowFreqFactor();
                double shortest = scaling.originalMaxPositions() / scaling.highFreqFactor();
                if (wavelength > longest) {
                    inv[i] /= scaling.factor();
                } else if (wavelength >= shortest) {
                    double smooth = (scaling.originalMaxPositions() / wavelength - scaling.lowFreqFactor())
                            / (scaling.highFreqFactor() - scaling.lowFreqFactor());
                    inv[i] = (1 - smooth) * inv[i] / scaling.factor() + smooth * inv[i];
                }
            }
        }
        return inv;
    }

    /** cos and sin of every (row, position, frequency): two arrays of shape [B, 1, T, head_dim/2]. */
    static INDArray[] tables(int[][] positions, double[] inverseFrequencies, DataType type) {
        int b = positions.length;
        int t = positions[0].length;
        int half = inverseFrequencies.length;
        double[] cos = new double[b * t * half];
        double[] sin = new double[b * t * half];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                for (int f = 0; f < half; f++) {
                    double angle = positions[i][j] * inverseFrequencies[f];
                    cos[(i * t + j) * half + f] = Math.cos(angle);
                    sin[(i * t + j) * half + f] = Math.sin(angle);
                }
            }
        }
        long[] shape = {b, 1, t, half};
        return new INDArray[] {Nd4j.create(cos, shape, type), Nd4j.create(sin, shape, type)};
    }

    /** Rotates x [B, heads, T, head_dim] in place by +angle. */
    static void forward(INDArray x, INDArray cos, INDArray sin) {
        rotate(x, cos, sin, 1.0);
    }

    /** Maps dL/dx' to dL/dx in place: the transpose of a rotation is the rotation by −angle. */
    static void backward(INDArray dx, INDArray cos, INDArray sin) {
        rotate(dx, cos, sin, -1.0);
    }

    private static void rotate(INDArray x, INDArray cos, INDArray sin, double direction) {
        long half = x.size(3) / 2;
        INDArray x1 = x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, half));
        INDArray x2 = x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.interval(half, 2 * half));
        INDArray s = sin.mul(direction);
        INDArray first = x1.mul(cos).subi(x2.mul(s));   // x₁cos − x₂sin
        INDArray second = x2.mul(cos).addi(x1.mul(s));  // x₂cos + x₁sin
        x1.assign(first);
        x2.assign(second);
    }
}
