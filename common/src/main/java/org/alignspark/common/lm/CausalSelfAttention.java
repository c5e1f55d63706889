package org.alignspark.common.lm;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Causal multi-head self-attention (Vaswani et al. 2017) with grouped-query heads (Ainslie et al. 2023):
 * softmax(Q·Kᵀ/√d_head + mask)·V per head, query head h reading kv head h / (n_heads / n_kv_heads).
 * GPT-2 projects q, k, v with one Conv1D {@code c_attn} [d, 3d]; Llama with {@code q_proj}, {@code k_proj},
 * {@code v_proj} and rotates q and k with RoPE. The mask is additive: 0 where the key is visible
 * (causal and not padding), {@link #MASKED} elsewhere.
 */
final class CausalSelfAttention {
    /** Added to the score of a hidden key: a finite "minus infinity", so a query with no visible key stays finite. */
    static final double MASKED = -1e9;

    private final ModelConfig config;
    private final int layer;
    private final int nHeads;
    private final int nKvHeads;
    private final int headDim;
    private final double scale;
    private final Linear cAttn;   // GPT-2 only: x -> [q | k | v]
    private final Linear qProj;   // Llama only
    private final Linear kProj;
    private final Linear vProj;
    private final Linear outProj; // c_proj (GPT-2) or o_proj (Llama)

    private Step step;
    private INDArray qh;      // [B, H, T, hd] queries (after RoPE)
    private INDArray kh;      // [B, Hkv, T, hd] keys of this step (after RoPE)
    private INDArray vh;      // [B, Hkv, T, hd]
    private INDArray att;     // [B, H, T, S] attention probabilities
    private INDArray yh;      // [B, H, T, hd] per-head outputs
    private INDArray y;       // [N, H·hd] heads side by side
    private INDArray dyh;     // [B, H, T, hd]
    private INDArray dAtt;    // [B, H, T, S]
    private INDArray dqh;     // [B, H, T, hd]
    private INDArray dkh;     // [B, Hkv, T, hd]
    private INDArray dvh;     // [B, Hkv, T, hd]
    private INDArray dq;      // [N, H·hd]
    private INDArray dk;      // [N, Hkv·hd]
    private INDArray dv;      // [N, Hkv·hd]
    private INDArray dqkv;    // [N, 3d] (GPT-2)
    private INDArray dx;      // [N, d]

    CausalSelfAttention(ModelConfig config, Parameters params, String prefix, int layer) {
        this.config = config;
        this.layer = layer;
        this.nHeads = config.nHeads();
        this.nKvHeads = config.nKvHeads();
        this.headDim = config.headDim();
        this.scale = 1.0 / Math.sqrt(headDim);
        int d = config.dModel();
        if (config.family() == ModelConfig.Family.GPT2) {
            cAttn = new Linear(params, prefix + "c_attn", d, 3 * d, true, Linear.Layout.IN_OUT);
            qProj = null;
            kProj = null;
            vProj = null;
            outProj = new Linear(params, prefix + "c_proj", d, d, true, Linear.Layout.IN_OUT);
        } else {
            cAttn = null;
            int kvDim = nKvHeads * headDim;
            qProj = new Linear(params, prefix + "q_proj", d, nHeads * headDim, config.qkvBias(), Linear.Layout.OUT_IN);
            kProj = new Linear(params, prefix + "k_proj", d, kvDim, config.qkvBias(), Linear.Layout.OUT_IN);
            vProj = new Linear(params, prefix + "v_proj", d, kvDim, config.qkvBias(), Linear.Layout.OUT_IN);
            outProj = new Linear(params, prefix + "o_proj", nHeads * headDim, d, config.outProjBias(),
                    Linear.Layout.OUT_IN);
        }
    }

    INDArray forward(INDArray x, Step step) { // x [N, d] -> [N, d]
        this.step = step;
        int b = step.batch();
        int t = step.length();
        int s = step.keyLength();
        INDArray q;
        INDArray k;
        INDArray v;
        if (cAttn != null) {
            INDArray qkv = cAttn.forward(x);                                     // [N, 3d]
            int d = config.dModel();
            q = qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d));
            k = qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(d, 2 * d));
            v = qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * d, 3 * d));
        } else {
            q = qProj.forward(x);                                                // [N, H·hd]
            k = kProj.forward(x);                                                // [N, Hkv·hd]
            v = vProj.forward(x);                                                // [N, Hkv·hd]
        }
        qh = toHeads(q, Buffers.reuse(qh, x.dataType(), b, nHeads, t, headDim));
        kh = toHeads(k, Buffers.reuse(kh, x.dataType(), b, nKvHeads, t, headDim));
        vh = toHeads(v, Buffers.reuse(vh, x.dataType(), b, nKvHeads, t, headDim));
        if (step.ropeCos() != null) {
            Rope.forward(qh, step.ropeCos(), step.ropeSin());
            Rope.forward(kh, step.ropeCos(), step.ropeSin());
        }
        if (step.cache() != null) {
            appendToCache(step.cache(), step.offset(), t);
        }
        att = Buffers.reuse(att, x.dataType(), b, nHeads, t, s);
        yh = Buffers.reuse(yh, x.dataType(), b, nHeads, t, headDim);
        int group = nHeads / nKvHeads;
        for (int i = 0; i < b; i++) {
            INDArray mask = step.mask().slice(i);                                // [T, S]
            for (int h = 0; h < nHeads; h++) {
                INDArray scores = att.slice(i).slice(h);                         // [T, S]
                Nd4j.gemm(qh.slice(i).slice(h), keys(i, h / group, s), scores, false, true, scale, 0.0);
                scores.addi(mask);
            }
        }
        softmaxRows(att.reshape((long) b * nHeads * t, s));                      // rows of [B·H·T, S]
        for (int i = 0; i < b; i++) {
            for (int h = 0; h < nHeads; h++) {
                Nd4j.gemm(att.slice(i).slice(h), values(i, h / group, s), yh.slice(i).slice(h),
                        false, false, 1.0, 0.0);                                 // [T, S]·[S, hd]
            }
        }
        y = fromHeads(yh, Buffers.reuse(y, x.dataType(), (long) b * t, nHeads * headDim));
        return outProj.forward(y);                                               // [N, d]
    }

    INDArray backward(INDArray dOut) { // dOut [N, d] -> dx [N, d]
        if (step.cache() != null) {
            throw new IllegalStateException("backward needs a forward pass without a KV cache");
        }
        int b = step.batch();
        int t = step.length();
        int group = nHeads / nKvHeads;
        INDArray dy = outProj.backward(dOut);                                    // [N, H·hd]
        dyh = toHeads(dy, Buffers.reuse(dyh, dy.dataType(), b, nHeads, t, headDim));
        dAtt = Buffers.reuse(dAtt, dy.dataType(), att.shape());
        dqh = Buffers.reuse(dqh, dy.dataType(), qh.shape());
        dkh = Buffers.reuse(dkh, dy.dataType(), kh.shape()).assign(0);
        dvh = Buffers.reuse(dvh, dy.dataType(), vh.shape()).assign(0);
        for (int i = 0; i < b; i++) {
            for (int h = 0; h < nHeads; h++) {
                INDArray p = att.slice(i).slice(h);                              // [T, S]
                INDArray dYh = dyh.slice(i).slice(h);                            // [T, hd]
                Nd4j.gemm(dYh, vh.slice(i).slice(h / group), dAtt.slice(i).slice(h), false, true, 1.0, 0.0);
                Nd4j.gemm(p, dYh, dvh.slice(i).slice(h / group), true, false, 1.0, 1.0);
            }
        }
        // softmax backward, all rows at once: dS = P ⊙ (dP − Σ_j dP_j P_j)
        INDArray p2 = att.reshape((long) b * nHeads * t, t);
        INDArray dS = dAtt.reshape((long) b * nHeads * t, t);
        INDArray rowDot = dS.mul(p2).sum(true, 1);
        dS.subiColumnVector(rowDot).muli(p2);
        for (int i = 0; i < b; i++) {
            for (int h = 0; h < nHeads; h++) {
                INDArray ds = dAtt.slice(i).slice(h);                            // [T, T]
                Nd4j.gemm(ds, kh.slice(i).slice(h / group), dqh.slice(i).slice(h), false, false, scale, 0.0);
                Nd4j.gemm(ds, qh.slice(i).slice(h), dkh.slice(i).slice(h / group), true, false, scale, 1.0);
            }
        }
        if (step.ropeCos() != null) {
            Rope.backward(dqh, step.ropeCos(), step.ropeSin());
            Rope.backward(dkh, step.ropeCos(), step.ropeSin());
        }
        long n = (long) b * t;
        dq = fromHeads(dqh, Buffers.reuse(dq, dy.dataType(), n, nHeads * headDim));
        dk = fromHeads(dkh, Buffers.reuse(dk, dy.dataType(), n, nKvHeads * headDim));
        dv = fromHeads(dvh, Buffers.reuse(dv, dy.dataType(), n, nKvHeads * headDim));
        dx = Buffers.reuse(dx, dy.dataType(), n, config.dModel());
        if (cAttn != null) {
            int d = config.dModel();
            dqkv = Buffers.reuse(dqkv, dy.dataType(), n, 3 * d);
            dqkv.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d)).assign(dq);
            dqkv.get(NDArrayIndex.all(), NDArrayIndex.interval(d, 2 * d)).assign(dk);
            dqkv.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * d, 3 * d)).assign(dv);
            return dx.assign(cAttn.backward(dqkv));
        }
        return dx.assign(qProj.backward(dq)).addi(kProj.backward(dk)).addi(vProj.backward(dv));
    }

    /** Softmax of each row in place, shifted by the row maximum so that exp cannot overflow. */
    private static void softmaxRows(INDArray z) { // [M, S]
        z.subiColumnVector(z.max(true, 1));
        Transforms.exp(z, false);
        z.diviColumnVector(z.sum(true, 1));
    }

    /** Writes this step's keys and values [B, Hkv, T, hd] into the cache at positions [offset, offset + T). */
    private void appendToCache(KvCache cache, int offset, int t) {
        for (INDArray[] pair : new INDArray[][] {{cache.keys[layer], kh}, {cache.values[layer], vh}}) {
            pair[0].get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(offset, offset + t),
                    NDArrayIndex.all()).assign(pair[1]);
        }
    }

    /** Keys [S, hd] of row i, kv head g: this step's own, or the cache's first S positions. */
    private INDArray keys(int i, int g, int s) {
        return step.cache() == null ? kh.slice(i).slice(g)
                : step.cache().keys[layer].slice(i).slice(g).get(NDArrayIndex.interval(0, s), NDArrayIndex.all());
    }

    /** Values [S, hd] of row i, kv head g. */
    private INDArray values(int i, int g, int s) {
        return step.cache() == null ? vh.slice(i).slice(g)
                : step.cache().values[layer].slice(i).slice(g).get(NDArrayIndex.interval(0, s), NDArrayIndex.all());
    }

    /** [B·T, heads·hd] (row = (b, t)) -> [B, heads, T, hd]. */
    private static INDArray toHeads(INDArray x, INDArray heads) {
        long b = heads.size(0);
        long t = heads.size(2);
        return heads.assign(x.reshape('c', b, t, heads.size(1), heads.size(3)).permute(0, 2, 1, 3));
    }

    /** [B, heads, T, hd] -> [B·T, heads·hd], written into the contiguous {@code out}. */
    private static INDArray fromHeads(INDArray heads, INDArray out) {
        out.reshape('c', heads.size(0), heads.size(2), heads.size(1), heads.size(3)).permute(0, 2, 1, 3)
                .assign(heads);
        return out;
    }
}
