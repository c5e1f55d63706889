package org.alignspark.common.lm;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A per-row normalisation with a learned gain, y = x̂ · w (+ b), in its forms:
 * <ul>
 *   <li>LayerNorm (Ba et al. 2016), GPT-2: x̂ = (x − μ)/√(σ² + ε) with the biased variance, and a bias b;</li>
 *   <li>RMSNorm (Zhang and Sennrich 2019), Llama: x̂ = x/√(mean(x²) + ε), LayerNorm without centring or b;</li>
 *   <li>Gemma's RMSNorm (Gemma Team 2024, HF {@code Gemma2RMSNorm}): y = x̂ · (1 + w), the stored w starting at
 *       0.</li>
 * </ul>
 */
final class Norm {
    /** Builds a family's norm over rows of width {@code d}. */
    @FunctionalInterface
    interface Factory {
        Norm create(Parameters params, String name, int d, double eps);
    }

    private final boolean centred;
    private final double gainOffset;  // 1 for Gemma's (1 + w), else 0
    private final double eps;
    private final int d;
    private final INDArray weight;
    private final INDArray dWeight;
    private final INDArray bias;   // LayerNorm only
    private final INDArray dBias;

    private INDArray xHat; // [N, d] normalised input
    private INDArray rstd; // [N, 1] 1/√(σ² + ε) or 1/√(mean(x²) + ε)
    private INDArray y;    // [N, d]
    private INDArray dx;   // [N, d]

    static Norm layerNorm(Parameters params, String name, int d, double eps) {
        return new Norm(params, name, d, eps, true, 0.0);
    }

    static Norm rmsNorm(Parameters params, String name, int d, double eps) {
        return new Norm(params, name, d, eps, false, 0.0);
    }

    /** Gemma's RMSNorm, gain 1 + w. */
    static Norm rmsNormOnePlusWeight(Parameters params, String name, int d, double eps) {
        return new Norm(params, name, d, eps, false, 1.0);
    }

    private Norm(Parameters params, String name, int d, double eps, boolean centred, double gainOffset) {
        this.centred = centred;
        this.gainOffset = gainOffset;
        this.eps = eps;
        this.d = d;
        this.weight = params.add(name + ".weight", 1.0 - gainOffset, d);             // a gain of 1 either way
        this.dWeight = params.gradient(name + ".weight");
        this.bias = centred ? params.add(name + ".bias", d) : null;
        this.dBias = centred ? params.gradient(name + ".bias") : null;
    }

    INDArray forward(INDArray x) { // [N, d] -> [N, d]
        long n = x.rows();
        xHat = Buffers.reuse(xHat, x.dataType(), n, d);
        y = Buffers.reuse(y, x.dataType(), n, d);
        xHat.assign(x);
        if (centred) {
            xHat.subiColumnVector(x.mean(true, 1));                              // x − μ
        }
        rstd = Transforms.pow(xHat.mul(xHat).mean(true, 1).addi(eps), -0.5, false); // [N, 1]
        xHat.muliColumnVector(rstd);
        y.assign(xHat).muliRowVector(gain());
        return centred ? y.addiRowVector(bias) : y;
    }

    /** The gain multiplying x̂: w, or 1 + w. */
    private INDArray gain() {
        return gainOffset == 0 ? weight : weight.add(gainOffset);
    }

    INDArray backward(INDArray dy) { // [N, d] -> dx [N, d]; parameter gradients accumulate
        if (dWeight != null) {
            dWeight.addi(dy.mul(xHat).sum(0));
        }
        if (dBias != null) {
            dBias.addi(dy.sum(0));
        }
        dx = Buffers.reuse(dx, dy.dataType(), dy.rows(), d);
        INDArray dxHat = dy.mulRowVector(gain());                                // [N, d]
        INDArray meanDxHatXHat = dxHat.mul(xHat).mean(true, 1);                  // [N, 1]
        // RMSNorm: dx = rstd · (dx̂ − x̂ · mean(dx̂ ⊙ x̂)); LayerNorm also subtracts mean(dx̂)
        dx.assign(xHat).muliColumnVector(meanDxHatXHat).rsubi(dxHat);
        if (centred) {
            dx.subiColumnVector(dxHat.mean(true, 1));
        }
        return dx.muliColumnVector(rstd);
    }
}
