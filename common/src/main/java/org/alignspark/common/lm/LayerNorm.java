package org.alignspark.common.lm;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** LayerNorm (Ba et al. 2016) with the biased variance: y = (x − μ)/√(σ² + ε) · w + b. */
final class LayerNorm implements Norm {
    private final double eps;
    private final int d;
    private final INDArray weight;
    private final INDArray bias;
    private final INDArray dWeight;
    private final INDArray dBias;

    private INDArray xHat; // [N, d] normalised input
    private INDArray rstd; // [N, 1] 1/√(σ² + ε)
    private INDArray y;    // [N, d]
    private INDArray dx;   // [N, d]

    LayerNorm(Parameters params, String name, int d, double eps) {
        this.eps = eps;
        this.d = d;
        this.weight = params.add(name + ".weight", 1.0, d);
        this.bias = params.add(name + ".bias", d);
        this.dWeight = params.gradient(name + ".weight");
        this.dBias = params.gradient(name + ".bias");
    }

    @Override
    public INDArray forward(INDArray x) {
        long n = x.rows();
        xHat = Buffers.reuse(xHat, x.dataType(), n, d);
        y = Buffers.reuse(y, x.dataType(), n, d);
        xHat.assign(x).subiColumnVector(x.mean(true, 1));                     // x − μ
        INDArray variance = xHat.mul(xHat).mean(true, 1);                    // [N, 1]
        rstd = Transforms.pow(variance.addi(eps), -0.5, false);             // [N, 1]
        xHat.muliColumnVector(rstd);
        return y.assign(xHat).muliRowVector(weight).addiRowVector(bias);
    }

    @Override
    public INDArray backward(INDArray dy) {
        dWeight.addi(dy.mul(xHat).sum(0));
        dBias.addi(dy.sum(0));
        dx = Buffers.reuse(dx, dy.dataType(), dy.rows(), d);
        INDArray dxHat = dy.mulRowVector(weight);                             // [N, d]
        INDArray meanDxHat = dxHat.mean(true, 1);                            // [N, 1]
        INDArray meanDxHatXHat = dxHat.mul(xHat).mean(true, 1);              // [N, 1]
        // dx = rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ ⊙ x̂))
        return dx.assign(xHat).muliColumnVector(meanDxHatXHat).rsubi(dxHat)
                .subiColumnVector(meanDxHat).muliColumnVector(rstd);
    }
}
