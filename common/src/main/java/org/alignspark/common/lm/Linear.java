package org.alignspark.common.lm;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Affine map on rows. Two weight layouts, as Hugging Face stores them:
 * {@code nn.Linear} keeps W as [out, in] and computes y = x·Wᵀ + b (Llama);
 * GPT-2's {@code Conv1D} keeps W as [in, out] and computes y = x·W + b.
 * Every product is an {@code Nd4j.gemm} into a preallocated buffer. Over a frozen base the weight takes no
 * gradient; a {@link LoraAdapter} attached to the map adds its low-rank update to the output.
 */
final class Linear {
    enum Layout { OUT_IN, IN_OUT }

    private final Layout layout;
    private final int in;
    private final int out;
    private final INDArray weight;
    private final INDArray dWeight;
    private final INDArray bias;
    private final INDArray dBias;
    private LoraAdapter adapter;  // null: the plain map

    private INDArray x;   // [N, in], the input of the last forward
    private INDArray y;   // [N, out]
    private INDArray dx;  // [N, in]

    Linear(Parameters params, String name, int in, int out, boolean withBias, Layout layout) {
        this(params, name + ".weight", withBias ? name + ".bias" : null, in, out, layout, true);
    }

    /** A linear map over an already registered weight (tied LM head: {@code wte.weight}). */
    static Linear shared(Parameters params, String weightName, int in, int out) {
        return new Linear(params, weightName, null, in, out, Layout.OUT_IN, false);
    }

    private Linear(Parameters params, String weightName, String biasName, int in, int out, Layout layout,
                   boolean register) {
        this.layout = layout;
        this.in = in;
        this.out = out;
        this.weight = register
                ? params.add(weightName, layout == Layout.OUT_IN ? new long[] {out, in} : new long[] {in, out})
                : params.values().get(weightName);
        this.dWeight = params.gradient(weightName);
        this.bias = biasName == null ? null : params.add(biasName, out);
        this.dBias = biasName == null ? null : params.gradient(biasName);
    }

    /** Adds {@code adapter}'s update to this map's output (LoRA on a projection). */
    void attach(LoraAdapter adapter) {
        this.adapter = adapter;
    }

    INDArray forward(INDArray x) { // x [N, in] -> y [N, out]
        y = Buffers.reuse(y, weight.dataType(), x.rows(), out);
        return forwardInto(x, y);
    }

    /**
     * {@link #forward} into the caller's buffer {@code y} [N, out] (a row view is fine), which this map does not keep:
     * the LM head writes the logits into buffers the model owns, a chunk of rows at a time. The input is kept for
     * {@link #backward}, as by {@link #forward}.
     */
    INDArray forwardInto(INDArray x, INDArray y) {
        this.x = x;
        Nd4j.gemm(x, weight, y, false, layout == Layout.OUT_IN, 1.0, 0.0);
        if (bias != null) {
            y.addiRowVector(bias);
        }
        if (adapter != null) {
            adapter.forwardInto(x, y);                           // y += (α/r)·B A x
        }
        return y;
    }

    INDArray backward(INDArray dy) { // dy [N, out] -> dx [N, in]; dW, db accumulate
        dx = Buffers.reuse(dx, weight.dataType(), dy.rows(), in);
        if (layout == Layout.OUT_IN) {
            Nd4j.gemm(dy, weight, dx, false, false, 1.0, 0.0);   // [N,out]·[out,in]
            if (dWeight != null) {
                Nd4j.gemm(dy, x, dWeight, true, false, 1.0, 1.0);    // [out,N]·[N,in]
            }
        } else {
            Nd4j.gemm(dy, weight, dx, false, true, 1.0, 0.0);    // [N,out]·[out,in]
            if (dWeight != null) {
                Nd4j.gemm(x, dy, dWeight, true, false, 1.0, 1.0);    // [in,N]·[N,out]
            }
        }
        if (dBias != null) {
            dBias.addi(dy.sum(0));
        }
        if (adapter != null) {
            adapter.backwardInto(dy, dx);                        // dx += dL/dx through B A; dA, dB accumulate
        }
        return dx;
    }
}
