package org.alignspark.common.lm;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** GPT-2's GELU, tanh approximation (Hendrycks and Gimpel 2016): ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
final class GeluTanh {
    private static final double C = Math.sqrt(2.0 / Math.PI);
    private static final double A = 0.044715;

    private INDArray x;      // [N, f]
    private INDArray tanhU;  // [N, f] tanh(u)
    private INDArray y;      // [N, f]
    private INDArray dx;     // [N, f]

    INDArray forward(INDArray x) {
        this.x = x;
        y = Buffers.reuse(y, x.dataType(), x.shape());
        tanhU = Buffers.reuse(tanhU, x.dataType(), x.shape());
        tanhU.assign(x).muli(x).muli(A).addi(1.0).muli(x).muli(C);         // u = √(2/π)(x + 0.044715x³)
        Transforms.tanh(tanhU, false);                                      // tanh(u), in place
        return y.assign(tanhU).addi(1.0).muli(x).muli(0.5);
    }

    INDArray backward(INDArray dy) {
        dx = Buffers.reuse(dx, dy.dataType(), dy.shape());
        // dy/dx = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)
        INDArray du = x.mul(x).muli(3 * A).addi(1.0).muli(C);
        INDArray sech2 = tanhU.mul(tanhU).rsubi(1.0);
        INDArray grad = sech2.muli(du).muli(x).muli(0.5).addi(tanhU.add(1.0).muli(0.5));
        return dx.assign(grad).muli(dy);
    }
}
