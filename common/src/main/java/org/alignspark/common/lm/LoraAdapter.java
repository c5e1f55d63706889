package org.alignspark.common.lm;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * LoRA's update on one projection (Hu et al. 2021, eq. 3): h = W x + (α/r)·B A x with A [r, in] and B [out, r];
 * as in PEFT, dropout applies to the adapter's input only: h = W x + (α/r)·B A dropout(x). Forward and backward
 * touch only A and B; the base map's weight is read, never differentiated.
 */
final class LoraAdapter {
    private final LoraAdapters owner;
    private final INDArray a;   // [r, in]
    private final INDArray b;   // [out, r]
    private final INDArray dA;
    private final INDArray dB;
    private final double scale;

    private INDArray xd;        // [N, in] dropout(x), or x itself
    private INDArray keep;      // [N, in] dropout's mask / (1 − p), or null
    private INDArray ax;        // [N, r] A·dropout(x)
    private INDArray dAx;       // [N, r]
    private INDArray dxd;       // [N, in]

    LoraAdapter(LoraAdapters owner, INDArray a, INDArray b, INDArray dA, INDArray dB) {
        this.owner = owner;
        this.a = a;
        this.b = b;
        this.dA = dA;
        this.dB = dB;
        this.scale = owner.config().scaling();
    }

    /** y += (α/r)·B A dropout(x); x [N, in], y [N, out]. */
    void forwardInto(INDArray x, INDArray y) {
        if (owner.dropping()) {
            keep = Buffers.reuse(keep, x.dataType(), x.shape());
            double p = owner.config().dropout();
            double[] mask = new double[(int) x.length()];
            var random = owner.dropoutRandom();
            for (int i = 0; i < mask.length; i++) {
                mask[i] = random.nextDouble() < p ? 0.0 : 1.0 / (1.0 - p);   // inverted dropout, as nn.Dropout
            }
            keep.assign(Nd4j.create(mask, x.shape(), x.dataType()));
            xd = Buffers.reuse(xd == x ? null : xd, x.dataType(), x.shape()).assign(x).muli(keep);
        } else {
            keep = null;
            xd = x;
        }
        ax = Buffers.reuse(ax, x.dataType(), x.rows(), a.rows());
        Nd4j.gemm(xd, a, ax, false, true, 1.0, 0.0);              // [N,in]·[in,r]
        Nd4j.gemm(ax, b, y, false, true, scale, 1.0);             // y += s·[N,r]·[r,out]
    }

    /** dx += dL/dx through the adapter from dy [N, out]; dA and dB accumulate. */
    void backwardInto(INDArray dy, INDArray dx) {
        if (dB != null) {
            Nd4j.gemm(dy, ax, dB, true, false, scale, 1.0);        // dB += s·[out,N]·[N,r]
        }
        dAx = Buffers.reuse(dAx, dy.dataType(), dy.rows(), a.rows());
        Nd4j.gemm(dy, b, dAx, false, false, scale, 0.0);          // s·[N,out]·[out,r]
        if (dA != null) {
            Nd4j.gemm(dAx, xd, dA, true, false, 1.0, 1.0);         // dA += [r,N]·[N,in]
        }
        if (keep == null) {
            Nd4j.gemm(dAx, a, dx, false, false, 1.0, 1.0);         // dx += [N,r]·[r,in]
        } else {
            dxd = Buffers.reuse(dxd, dy.dataType(), dx.shape());
            Nd4j.gemm(dAx, a, dxd, false, false, 1.0, 0.0);
            dx.addi(dxd.muli(keep));
        }
    }

    /**
     * The merged update (α/r)·B A in the base weight's layout: [out, in], or its transpose [in, out] for GPT-2's
     * Conv1D (PEFT's {@code get_delta_weight} with {@code fan_in_fan_out}).
     */
    INDArray delta(boolean fanInFanOut) {
        INDArray ba = b.mmul(a).muli(scale);                      // [out, in]
        return fanInFanOut ? ba.transpose().dup() : ba;
    }
}
