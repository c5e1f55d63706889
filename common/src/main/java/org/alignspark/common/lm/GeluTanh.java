package org.alignspark.common.lm;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * GPT-2's GELU, tanh approximation (Hendrycks and Gimpel 2016): ½x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³).
 * Computed as x·σ(2u), the same function (½(1 + tanh u) = σ(2u)), because ND4J's sigmoid runs twice as fast as its tanh;
 * rows split over the engine's threads ({@link RowChunks}).
 */
final class GeluTanh {
    private static final double C = Math.sqrt(2.0 / Math.PI);
    private static final double A = 0.044715;

    private INDArray x;      // [N, f]
    private INDArray s;      // [N, f] σ(2u)
    private INDArray y;      // [N, f]
    private INDArray dx;     // [N, f]

    INDArray forward(INDArray x) {
        this.x = x;
        y = Buffers.reuse(y, x.dataType(), x.shape());
        s = Buffers.reuse(s, x.dataType(), x.shape());
        RowChunks.forEach(x.rows(), x.columns(), (from, to) -> {
            INDArray xr = RowChunks.rows(x, from, to);
            INDArray sr = RowChunks.rows(s, from, to);
            sr.assign(xr).muli(xr).muli(A).addi(1.0).muli(xr).muli(2 * C);      // 2u
            Transforms.sigmoid(sr, false);                                     // σ(2u), in place
            RowChunks.rows(y, from, to).assign(sr).muli(xr);
        });
        return y;
    }

    INDArray backward(INDArray dy) {
        dx = Buffers.reuse(dx, dy.dataType(), dy.shape());
        // dy/dx = σ(2u) + x·σ(2u)(1 − σ(2u))·2u',  u' = √(2/π)(1 + 3·0.044715x²)
        RowChunks.forEach(x.rows(), x.columns(), (from, to) -> {
            INDArray xr = RowChunks.rows(x, from, to);
            INDArray sr = RowChunks.rows(s, from, to);
            INDArray dxr = RowChunks.rows(dx, from, to);
            dxr.assign(xr).muli(xr).muli(3 * A).addi(1.0).muli(2 * C).muli(xr).muli(sr).muli(sr.rsub(1.0)).addi(sr)
                    .muli(RowChunks.rows(dy, from, to));
        });
        return dx;
    }
}
