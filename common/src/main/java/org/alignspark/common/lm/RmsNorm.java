package org.alignspark.common.lm;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** RMSNorm (Zhang and Sennrich 2019), as in Llama: y = w · x / √(mean(x²) + ε). */
final class RmsNorm implements Norm {
    private final double eps;
    private final int d;
    private final INDArray weight;
    private final INDArray dWeight;

    private INDArray xHat; // [N, d]
    private INDArray rstd; // [N, 1]
    private INDArray y;    // [N, d]
    private INDArray dx;   // [N, d]

    RmsNorm(Parameters params, String name, int d, double eps) {
        this.eps = eps;
        this.d = d;
        this.weight = params.add(name + ".weight", 1.0, d);
        this.dWeight = params.gradient(name + ".weight");
    }

    @Override
    public INDArray forward(INDArray x) {
        long n = x.rows();
        xHat = Buffers.reuse(xHat, x.dataType(), n, d);
        y = Buffers.reuse(y, x.dataType(), n, d);
        rstd = Transforms.pow(x.mul(x).mean(true, 1).addi(eps), -0.5, false); // [N, 1]
        xHat.assign(x).muliColumnVector(rstd);
        return y.assign(xHat).muliRowVector(weight);
    }

    @Override
    public INDArray backward(INDArray dy) {
        dWeight.addi(dy.mul(xHat).sum(0));
        dx = Buffers.reuse(dx, dy.dataType(), dy.rows(), d);
        INDArray dxHat = dy.mulRowVector(weight);                            // [N, d]
        INDArray meanDxHatXHat = dxHat.mul(xHat).mean(true, 1);             // [N, 1]
        // dx = rstd · (dx̂ − x̂ · mean(dx̂ ⊙ x̂))
        return dx.assign(xHat).muliColumnVector(meanDxHatXHat).rsubi(dxHat).muliColumnVector(rstd);
    }
}
