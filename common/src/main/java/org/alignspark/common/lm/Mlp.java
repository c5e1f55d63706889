package org.alignspark.common.lm;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The feed-forward half of a block: GPT-2's GELU MLP, Llama's SwiGLU or Gemma's GeGLU. Tensor names, weight layout
 * and biases come from the config's {@link ModelFamily}.
 */
interface Mlp {
    INDArray forward(INDArray x);   // [N, d] -> [N, d]

    INDArray backward(INDArray dy); // [N, d] -> dx [N, d]

    /** Builds a family's MLP from the tensors under {@code prefix} ({@code h.3.mlp.}). */
    @FunctionalInterface
    interface Factory {
        Mlp create(Parameters params, String prefix, ModelConfig config);
    }

    /** GPT-2: down(gelu_tanh(up(x))); c_fc, c_proj. */
    final class GeluMlp implements Mlp {
        private final Linear fc;
        private final GeluTanh gelu = new GeluTanh();
        private final Linear proj;

        GeluMlp(Parameters params, String prefix, ModelConfig config) {
            ModelFamily family = config.family();
            fc = family.projection(params, prefix + family.names().mlpUp(), config.dModel(), config.dFf(), false);
            proj = family.projection(params, prefix + family.names().mlpDown(), config.dFf(), config.dModel(), false);
        }

        @Override
        public INDArray forward(INDArray x) {
            INDArray h = fc.forward(x);       // [N, dFf]
            INDArray a = gelu.forward(h);     // [N, dFf]
            return proj.forward(a);           // [N, d]
        }

        @Override
        public INDArray backward(INDArray dy) {
            return fc.backward(gelu.backward(proj.backward(dy)));
        }
    }

    /** SwiGLU (Shazeer 2020), Llama: down(silu(gate(x)) ⊙ up(x)), silu(g) = g·σ(g); gate_, up_, down_proj. */
    final class SwiGluMlp implements Mlp {
        private final Linear gate;
        private final Linear up;
        private final Linear down;

        private INDArray g;        // [N, dFf] gate(x)
        private INDArray u;        // [N, dFf] up(x)
        private INDArray sigmaG;   // [N, dFf] σ(g)
        private INDArray h;        // [N, dFf] silu(g) ⊙ u
        private INDArray dGate;    // [N, dFf]
        private INDArray dUp;      // [N, dFf]
        private INDArray dx;       // [N, d]

        SwiGluMlp(Parameters params, String prefix, ModelConfig config) {
            ModelFamily family = config.family();
            gate = family.projection(params, prefix + family.names().mlpGate(), config.dModel(), config.dFf(), false);
            up = family.projection(params, prefix + family.names().mlpUp(), config.dModel(), config.dFf(), false);
            down = family.projection(params, prefix + family.names().mlpDown(), config.dFf(), config.dModel(), false);
        }

        @Override
        public INDArray forward(INDArray x) {
            g = gate.forward(x);
            u = up.forward(x);
            sigmaG = Transforms.sigmoid(g, true);
            h = Buffers.reuse(h, x.dataType(), g.shape());
            h.assign(g).muli(sigmaG).muli(u);
            return down.forward(h);
        }

        @Override
        public INDArray backward(INDArray dy) {
            INDArray dh = down.backward(dy);                                    // [N, dFf]
            dUp = Buffers.reuse(dUp, dy.dataType(), dh.shape());
            dGate = Buffers.reuse(dGate, dy.dataType(), dh.shape());
            dUp.assign(g).muli(sigmaG).muli(dh);                                // silu(g) ⊙ dh
            // silu'(g) = σ(g)(1 + g(1 − σ(g)))
            INDArray dSilu = sigmaG.rsub(1.0).muli(g).addi(1.0).muli(sigmaG);
            dGate.assign(dSilu).muli(u).muli(dh);
            dx = Buffers.reuse(dx, dy.dataType(), dy.shape());
            dx.assign(gate.backward(dGate)).addi(up.backward(dUp));
            return dx;
        }
    }

    /**
     * GeGLU (Shazeer 2020, "GLU Variants Improve Transformer" eq. 5), Gemma 2 with {@code gelu_pytorch_tanh}:
     * down(gelu_tanh(gate(x)) ⊙ up(x)); gate_, up_, down_proj.
     */
    final class GeGluMlp implements Mlp {
        private final Linear gate;
        private final Linear up;
        private final Linear down;
        private final GeluTanh gelu = new GeluTanh();

        private INDArray u;        // [N, dFf] up(x)
        private INDArray a;        // [N, dFf] gelu(gate(x))
        private INDArray h;        // [N, dFf] a ⊙ u
        private INDArray dA;       // [N, dFf]
        private INDArray dUp;      // [N, dFf]
        private INDArray dx;       // [N, d]

        GeGluMlp(Parameters params, String prefix, ModelConfig config) {
            ModelFamily family = config.family();
            gate = family.projection(params, prefix + family.names().mlpGate(), config.dModel(), config.dFf(), false);
            up = family.projection(params, prefix + family.names().mlpUp(), config.dModel(), config.dFf(), false);
            down = family.projection(params, prefix + family.names().mlpDown(), config.dFf(), config.dModel(), false);
        }

        @Override
        public INDArray forward(INDArray x) {
            a = gelu.forward(gate.forward(x));
            u = up.forward(x);
            h = Buffers.reuse(h, x.dataType(), a.shape());
            return down.forward(h.assign(a).muli(u));
        }

        @Override
        public INDArray backward(INDArray dy) {
            INDArray dh = down.backward(dy);                                    // [N, dFf]
            dUp = Buffers.reuse(dUp, dy.dataType(), dh.shape()).assign(a).muli(dh);   // gelu(g) ⊙ dh
            dA = Buffers.reuse(dA, dy.dataType(), dh.shape()).assign(u).muli(dh);     // u ⊙ dh
            dx = Buffers.reuse(dx, dy.dataType(), dy.shape());
            dx.assign(gate.backward(gelu.backward(dA))).addi(up.backward(dUp));
            return dx;
        }
    }
}
