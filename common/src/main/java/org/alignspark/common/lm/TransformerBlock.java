package org.alignspark.common.lm;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A pre-norm residual block: h = x + attn(norm₁(x)); out = h + mlp(norm₂(h)). Where the family also normalises the
 * outputs of attention and MLP (Gemma 2's "sandwich" norms: post_attention_layernorm, post_feedforward_layernorm),
 * h = x + post₁(attn(norm₁(x))); out = h + post₂(mlp(norm₂(h))).
 */
final class TransformerBlock {
    private final Norm norm1;
    private final CausalSelfAttention attention;
    private final Norm norm2;
    private final Mlp mlp;
    private final Norm postAttentionNorm; // Gemma 2, else null
    private final Norm postMlpNorm;       // Gemma 2, else null

    private INDArray h;    // [N, d]
    private INDArray out;  // [N, d]
    private INDArray dh;   // [N, d]
    private INDArray dx;   // [N, d]

    TransformerBlock(ModelConfig config, Parameters params, int layer) {
        ModelFamily family = config.family();
        ModelFamily.TensorNames names = family.names();
        String prefix = names.layer(layer);
        norm1 = family.norm(params, prefix + names.attentionNorm(), config);
        attention = new CausalSelfAttention(config, params, prefix + names.attention(), layer);
        norm2 = family.norm(params, prefix + names.mlpNorm(), config);
        mlp = family.mlp(params, prefix + names.mlp(), config);
        postAttentionNorm = names.postAttentionNorm() == null ? null
                : family.norm(params, prefix + names.postAttentionNorm(), config);
        postMlpNorm = names.postMlpNorm() == null ? null : family.norm(params, prefix + names.postMlpNorm(), config);
    }

    INDArray forward(INDArray x, Step step) { // [N, d] -> [N, d]
        INDArray a = attention.forward(norm1.forward(x), step);
        if (postAttentionNorm != null) {
            a = postAttentionNorm.forward(a);
        }
        h = Buffers.reuse(h, x.dataType(), x.shape()).assign(x).addi(a);
        INDArray m = mlp.forward(norm2.forward(h));
        if (postMlpNorm != null) {
            m = postMlpNorm.forward(m);
        }
        return out = Buffers.reuse(out, x.dataType(), x.shape()).assign(h).addi(m);
    }

    INDArray backward(INDArray dOut) { // [N, d] -> dx [N, d]
        INDArray dm = postMlpNorm == null ? dOut : postMlpNorm.backward(dOut);
        dh = Buffers.reuse(dh, dOut.dataType(), dOut.shape()).assign(dOut).addi(norm2.backward(mlp.backward(dm)));
        INDArray da = postAttentionNorm == null ? dh : postAttentionNorm.backward(dh);
        return dx = Buffers.reuse(dx, dOut.dataType(), dOut.shape()).assign(dh)
                .addi(norm1.backward(attention.backward(da)));
    }
}
