package org.alignspark.common.lm;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The input projections of attention, x [N, d] -> q [N, H·hd], k and v [N, Hkv·hd]: GPT-2's one fused
 * {@code c_attn} or Llama's {@code q_proj}, {@code k_proj}, {@code v_proj}. Names, layout and biases come from
 * the config's {@link ModelFamily}.
 */
interface QkvProjection {
    /** {q, k, v} of x; views of buffers that the next forward overwrites. */
    INDArray[] forward(INDArray x);

    /** Writes dL/dx into {@code dx} [N, d] from dL/dq, dL/dk, dL/dv; weight gradients accumulate. */
    INDArray backward(INDArray dq, INDArray dk, INDArray dv, INDArray dx);

    /** Builds a family's projections from the tensors under {@code prefix} ({@code h.3.attn.}). */
    @FunctionalInterface
    interface Factory {
        QkvProjection create(Parameters params, String prefix, ModelConfig config);
    }

    /** One projection to [q | k | v] [N, 3d]; needs as many kv heads as query heads. */
    final class Fused implements QkvProjection {
        private final int d;
        private final Linear cAttn;
        private INDArray dqkv;  // [N, 3d]

        Fused(Parameters params, String prefix, ModelConfig config) {
            ModelFamily family = config.family();
            d = config.dModel();
            cAttn = family.projection(params, prefix + family.names().qkv(), d, 3 * d, config.qkvBias());
        }

        @Override
        public INDArray[] forward(INDArray x) {
            INDArray qkv = cAttn.forward(x);                                     // [N, 3d]
            return new INDArray[] {
                    qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d)),
                    qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(d, 2 * d)),
                    qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * d, 3 * d))};
        }

        @Override
        public INDArray backward(INDArray dq, INDArray dk, INDArray dv, INDArray dx) {
            dqkv = Buffers.reuse(dqkv, dq.dataType(), dq.rows(), 3 * d);
            dqkv.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d)).assign(dq);
            dqkv.get(NDArrayIndex.all(), NDArrayIndex.interval(d, 2 * d)).assign(dk);
            dqkv.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * d, 3 * d)).assign(dv);
            return dx.assign(cAttn.backward(dqkv));
        }
    }

    /** Three projections: q to H heads, k and v to Hkv heads (grouped-query attention). */
    final class Separate implements QkvProjection {
        private final Linear qProj;
        private final Linear kProj;
        private final Linear vProj;

        Separate(Parameters params, String prefix, ModelConfig config) {
            ModelFamily family = config.family();
            ModelFamily.TensorNames names = family.names();
            int d = config.dModel();
            int qDim = config.nHeads() * config.headDim();
            int kvDim = config.nKvHeads() * config.headDim();
            qProj = family.projection(params, prefix + names.q(), d, qDim, config.qkvBias());
            kProj = family.projection(params, prefix + names.k(), d, kvDim, config.qkvBias());
            vProj = family.projection(params, prefix + names.v(), d, kvDim, config.qkvBias());
        }

        @Override
        public INDArray[] forward(INDArray x) {
            return new INDArray[] {qProj.forward(x), kProj.forward(x), vProj.forward(x)};
        }

        @Override
        public INDArray backward(INDArray dq, INDArray dk, INDArray dv, INDArray dx) {
            return dx.assign(qProj.backward(dq)).addi(kProj.backward(dk)).addi(vProj.backward(dv));
        }
    }
}
