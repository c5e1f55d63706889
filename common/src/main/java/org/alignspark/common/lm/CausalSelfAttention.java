package org.alignspark.common.lm;

import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Causal multi-head self-attention (Vaswani et al. 2017) with grouped-query heads (Ainslie et al. 2023):
 * softmax(Q·Kᵀ/√d_head + mask)·V per head, query head h reading kv head h / (n_heads / n_kv_heads). Gemma 2
 * scales by query_pre_attn_scalar^(−1/2) instead and soft-caps the scaled scores, cap · tanh(s / cap), before the
 * mask.
 * The {@link QkvProjection} is the family's (GPT-2's fused {@code c_attn}, Llama's {@code q_proj}, {@code k_proj},
 * {@code v_proj}); where the family normalises heads (Qwen3's {@code q_norm}, {@code k_norm}), each query and key
 * head is RMS-normalised before RoPE; q and k are rotated with RoPE when the step carries RoPE tables. The
 * {@link AttentionMask} is additive, [B, 1, T, S]; a layer with a sliding window (Mistral) reads the step's sliding
 * mask. The products over all (batch, head) pairs run as one batched {@code Nd4j.matmul}; the projections are
 * {@link Linear} gemms. After a shared prefix ({@link CausalLM#forwardAfterSharedPrefix}) the prefix's cached keys and
 * values are read by all rows' queries at once, [H, B·T, hd] × [H, P, hd]ᵀ, and the softmax runs over prefix and own
 * keys together.
 */
final class CausalSelfAttention {
    private final ModelConfig config;
    private final int layer;
    private final int nHeads;
    private final int nKvHeads;
    private final int headDim;
    private final double scale;
    private final double softcap;     // Gemma 2's attention-logit cap, 0 for none
    private final int slidingWindow;  // 0: full causal attention
    private final QkvProjection qkv;
    private final Linear outProj; // c_proj (GPT-2) or o_proj (Llama)
    private final Norm qNorm;     // over each query head [N·H, hd] (Qwen3), else null
    private final Norm kNorm;     // over each key head [N·Hkv, hd] (Qwen3), else null

    private Step step;
    private INDArray qh;      // [B, H, T, hd] queries (after RoPE)
    private INDArray kh;      // [B, Hkv, T, hd] keys of this step (after RoPE)
    private INDArray vh;      // [B, Hkv, T, hd]
    private INDArray kAll;    // [B, Hkv, S, hd] cached and new keys (decoding only)
    private INDArray vAll;    // [B, Hkv, S, hd]
    private INDArray kRep;    // [B, H, S, hd] keys repeated for every query head of their group
    private INDArray vRep;    // [B, H, S, hd]
    private INDArray att;     // [B, H, T, S] attention probabilities
    private INDArray capped;  // [B, H, T, S] tanh(s / cap) of the scaled scores s (soft-capped layers only)
    private INDArray yh;      // [B, H, T, hd] per-head outputs
    private INDArray kPrefix; // [1, Hkv, P, hd] a shared prefix's keys (after a shared prefix only)
    private INDArray vPrefix; // [1, Hkv, P, hd]
    private INDArray kPrefixRep;  // [1, H, P, hd]
    private INDArray vPrefixRep;  // [1, H, P, hd]
    private INDArray qByHead;     // [H, B, T, hd] queries, head-major, so that all rows read the prefix in one gemm
    private INDArray prefixScores;  // [H, B·T, P]
    private INDArray ownScores;     // [B, H, T, T] the rows' scores over their own keys
    private INDArray prefixOut;     // [H, B·T, hd] P·V over the prefix's values
    private INDArray y;       // [N, H·hd] heads side by side
    private INDArray dyh;     // [B, H, T, hd]
    private INDArray dAtt;    // [B, H, T, S]
    private INDArray dqh;     // [B, H, T, hd]
    private INDArray dkRep;   // [B, H, T, hd]
    private INDArray dvRep;   // [B, H, T, hd]
    private INDArray dq;      // [N, H·hd]
    private INDArray dk;      // [N, Hkv·hd]
    private INDArray dv;      // [N, Hkv·hd]
    private INDArray dx;      // [N, d]

    /** The attention of layer {@code layer} from the tensors under {@code prefix} ({@code h.3.attn.}). */
    CausalSelfAttention(ModelConfig config, Parameters params, String prefix, int layer) {
        ModelFamily family = config.family();
        this.config = config;
        this.layer = layer;
        this.nHeads = config.nHeads();
        this.nKvHeads = config.nKvHeads();
        this.headDim = config.headDim();
        this.scale = 1.0 / Math.sqrt(config.queryPreAttnScalar() > 0 ? config.queryPreAttnScalar() : headDim);
        this.softcap = config.attnLogitSoftcap();
        this.slidingWindow = config.slidingWindow(layer);
        this.qkv = family.qkv(params, prefix, config);
        this.outProj = family.projection(params, prefix + family.names().attentionOut(), nHeads * headDim,
                config.dModel(), config.outProjBias());
        this.qNorm = family.headNorms() ? family.headNorm(params, prefix + family.names().qNorm(), config) : null;
        this.kNorm = family.headNorms() ? family.headNorm(params, prefix + family.names().kNorm(), config) : null;
    }

    INDArray forward(INDArray x, Step step) { // x [N, d] -> [N, d]
        this.step = step;
        int b = step.batch();
        int t = step.length();
        int s = step.keyLength();
        INDArray[] qkvRows = qkv.forward(x);                                     // [N, H·hd], 2 × [N, Hkv·hd]
        INDArray q = qNorm == null ? qkvRows[0] : perHead(qNorm::forward, qkvRows[0], nHeads);
        INDArray k = kNorm == null ? qkvRows[1] : perHead(kNorm::forward, qkvRows[1], nKvHeads);
        qh = toHeads(q, Buffers.reuse(qh, x.dataType(), b, nHeads, t, headDim));
        kh = toHeads(k, Buffers.reuse(kh, x.dataType(), b, nKvHeads, t, headDim));
        vh = toHeads(qkvRows[2], Buffers.reuse(vh, x.dataType(), b, nKvHeads, t, headDim));
        if (step.ropeCos() != null) {
            Rope.forward(qh, step.ropeCos(), step.ropeSin());
            Rope.forward(kh, step.ropeCos(), step.ropeSin());
        }
        if (step.sharedPrefix()) {
            return outProj.forward(attendAfterSharedPrefix(b, t, step.offset()));
        }
        INDArray keys = kh;                                                      // [B, Hkv, S, hd]
        INDArray values = vh;
        if (step.cache() != null) {
            appendToCache(step.cache(), step.offset(), t);
            keys = kAll = cachedPrefix(step.cache().keys[layer], kAll, s);
            values = vAll = cachedPrefix(step.cache().values[layer], vAll, s);
        }
        kRep = repeatKv(keys, kRep);                                             // [B, H, S, hd]
        vRep = repeatKv(values, vRep);
        att = Buffers.reuse(att, x.dataType(), b, nHeads, t, s);
        perSequence(qh, kRep, att, false, true);                                 // Q·Kᵀ [B, H, T, S]
        attentionProbabilities(b, t, s);
        yh = Buffers.reuse(yh, x.dataType(), b, nHeads, t, headDim);
        perSequence(att, vRep, yh, false, false);                                // P·V [B, H, T, hd]
        y = fromHeads(yh, Buffers.reuse(y, x.dataType(), (long) b * t, nHeads * headDim));
        return outProj.forward(y);                                               // [N, d]
    }

    /**
     * The rows of this step after one prefix of P positions that every row shares (the step's one-row cache, read,
     * not written): each row's T queries attend to the P prefix keys and to the row's own T keys, as if the prefix
     * were copied in front of every row, but the prefix's keys and values are read by all B·T queries in one gemm
     * per head instead. Returns the heads side by side, [B·T, H·hd].
     */
    private INDArray attendAfterSharedPrefix(int b, int t, int p) {
        KvCache prefix = step.cache();
        org.nd4j.linalg.api.buffer.DataType type = qh.dataType();
        kPrefix = cachedPrefix(prefix.keys[layer], kPrefix, p);                  // [1, Hkv, P, hd]
        vPrefix = cachedPrefix(prefix.values[layer], vPrefix, p);
        kPrefixRep = repeatKv(kPrefix, kPrefixRep);                              // [1, H, P, hd]
        vPrefixRep = repeatKv(vPrefix, vPrefixRep);
        INDArray kP = kPrefixRep.reshape(nHeads, p, headDim);                    // [H, P, hd]
        INDArray vP = vPrefixRep.reshape(nHeads, p, headDim);
        qByHead = Buffers.reuse(qByHead, type, nHeads, b, t, headDim).assign(qh.permute(1, 0, 2, 3));
        INDArray q = qByHead.reshape(nHeads, (long) b * t, headDim);             // [H, B·T, hd]
        prefixScores = Buffers.reuse(prefixScores, type, nHeads, (long) b * t, p);
        Nd4j.matmul(q, kP, prefixScores, false, true, false);                    // Q·K_prefixᵀ [H, B·T, P]
        kRep = repeatKv(kh, kRep);                                               // [B, H, T, hd]
        vRep = repeatKv(vh, vRep);
        ownScores = Buffers.reuse(ownScores, type, b, nHeads, t, t);
        perSequence(qh, kRep, ownScores, false, true);                           // Q·K_ownᵀ [B, H, T, T]
        att = Buffers.reuse(att, type, b, nHeads, t, p + t);                     // [B, H, T, P + T]
        att.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, p))
                .assign(prefixScores.reshape(nHeads, b, t, p).permute(1, 0, 2, 3));
        att.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(p, p + t))
                .assign(ownScores);
        attentionProbabilities(b, t, p + t);
        ownScores.assign(att.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.interval(p, p + t)));                               // probabilities of own keys
        yh = Buffers.reuse(yh, type, b, nHeads, t, headDim);
        perSequence(ownScores, vRep, yh, false, false);                          // P_own·V_own [B, H, T, hd]
        prefixScores.reshape(nHeads, b, t, p).assign(att.get(NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.all(), NDArrayIndex.interval(0, p)).permute(1, 0, 2, 3)); // [H, B·T, P]
        prefixOut = Buffers.reuse(prefixOut, type, nHeads, (long) b * t, headDim);
        Nd4j.matmul(prefixScores, vP, prefixOut, false, false, false);           // P_prefix·V_prefix [H, B·T, hd]
        yh.addi(prefixOut.reshape(nHeads, b, t, headDim).permute(1, 0, 2, 3));
        return y = fromHeads(yh, Buffers.reuse(y, type, (long) b * t, nHeads * headDim));
    }

    /**
     * Scaled (and soft-capped) scores in {@link #att} [B, H, T, S] -> masked softmax probabilities, in place; the
     * sequences split over the engine's threads.
     */
    private void attentionProbabilities(int b, int t, int s) {
        if (softcap > 0) {
            capped = Buffers.reuse(capped, att.dataType(), att.shape());
        }
        INDArray mask = step.mask(slidingWindow);                                // [B, 1, T, S]
        RowChunks.forEach(b, (long) nHeads * t * s, (from, to) -> {
            INDArray a = RowChunks.rows(att, from, to, s).muli(scale);           // [b'·H·T, S]
            if (softcap > 0) {                                                   // s -> cap · tanh(s / cap)
                INDArray c = RowChunks.rows(capped, from, to, s).assign(a).divi(softcap);
                Transforms.tanh(c, false);
                a.assign(c).muli(softcap);
            }
            RowChunks.view(att, from, to).addi(RowChunks.view(mask, from, to));  // + mask [b', 1, T, S]
            softmaxRows(a);
        });
    }

    INDArray backward(INDArray dOut) { // dOut [N, d] -> dx [N, d]
        if (step.cache() != null) {
            throw new IllegalStateException("backward needs a forward pass without a KV cache");
        }
        int b = step.batch();
        int t = step.length();
        INDArray dy = outProj.backward(dOut);                                    // [N, H·hd]
        dyh = toHeads(dy, Buffers.reuse(dyh, dy.dataType(), b, nHeads, t, headDim));
        dAtt = Buffers.reuse(dAtt, dy.dataType(), att.shape());
        dvRep = Buffers.reuse(dvRep, dy.dataType(), kRep.shape());
        perSequence(dyh, vRep, dAtt, false, true);                               // dP = dY·Vᵀ [B, H, T, T]
        perSequence(att, dyh, dvRep, true, false);                               // dV = Pᵀ·dY [B, H, T, hd]
        // softmax backward, all rows at once: dS = P ⊙ (dP − Σ_j dP_j P_j), then the soft cap's
        // d(cap · tanh(s / cap))/ds = 1 − tanh², then the score scale
        RowChunks.forEach(b, (long) nHeads * t * t, (from, to) -> {
            INDArray p2 = RowChunks.rows(att, from, to, t);                      // [b'·H·T, T]
            INDArray dS = RowChunks.rows(dAtt, from, to, t);
            INDArray rowDot = dS.mul(p2).sum(true, 1);
            dS.subiColumnVector(rowDot).muli(p2);
            if (softcap > 0) {
                INDArray c = RowChunks.rows(capped, from, to, t);
                dS.muli(c.mul(c).rsubi(1.0));
            }
            dS.muli(scale);
        });
        dqh = Buffers.reuse(dqh, dy.dataType(), qh.shape());
        dkRep = Buffers.reuse(dkRep, dy.dataType(), kRep.shape());
        perSequence(dAtt, kRep, dqh, false, false);                              // dQ = dS·K [B, H, T, hd]
        perSequence(dAtt, qh, dkRep, true, false);                               // dK = dSᵀ·Q [B, H, T, hd]
        INDArray dkh = sumGroups(dkRep);                                         // [B, Hkv, T, hd]
        INDArray dvh = sumGroups(dvRep);
        if (step.ropeCos() != null) {
            Rope.backward(dqh, step.ropeCos(), step.ropeSin());
            Rope.backward(dkh, step.ropeCos(), step.ropeSin());
        }
        long n = (long) b * t;
        dq = fromHeads(dqh, Buffers.reuse(dq, dy.dataType(), n, nHeads * headDim));
        dk = fromHeads(dkh, Buffers.reuse(dk, dy.dataType(), n, nKvHeads * headDim));
        dv = fromHeads(dvh, Buffers.reuse(dv, dy.dataType(), n, nKvHeads * headDim));
        dx = Buffers.reuse(dx, dy.dataType(), n, config.dModel());
        return qkv.backward(qNorm == null ? dq : perHead(qNorm::backward, dq, nHeads),
                kNorm == null ? dk : perHead(kNorm::backward, dk, nKvHeads), dv, dx);
    }

    /** Applies a per-head map to rows [N, heads·hd] as rows [N·heads, hd]: each head of each token alone. */
    private INDArray perHead(UnaryOperator<INDArray> map, INDArray rows, int heads) {
        long n = rows.rows();
        INDArray byHead = rows.reshape('c', n * heads, headDim);                 // [N·heads, hd]
        return map.apply(byHead).reshape('c', n, (long) heads * headDim);        // [N, heads·hd]
    }

    /** [B, Hkv, S, hd] -> [B, H, S, hd]: query head h reads kv head h / group (HF repeat_kv). */
    private INDArray repeatKv(INDArray kv, INDArray buffer) {
        int group = nHeads / nKvHeads;
        if (group == 1) {
            return kv;
        }
        long b = kv.size(0);
        long s = kv.size(2);
        INDArray out = Buffers.reuse(buffer, kv.dataType(), b, nHeads, s, headDim);
        INDArray grouped = out.reshape(b, nKvHeads, group, s, headDim);
        for (int r = 0; r < group; r++) {
            grouped.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(r), NDArrayIndex.all(),
                    NDArrayIndex.all()).assign(kv);
        }
        return out;
    }

    /** The transpose of {@link #repeatKv}: [B, H, S, hd] -> [B, Hkv, S, hd], summing each group's heads. */
    private INDArray sumGroups(INDArray perHead) {
        int group = nHeads / nKvHeads;
        if (group == 1) {
            return perHead;
        }
        return perHead.reshape(perHead.size(0), nKvHeads, group, perHead.size(2), headDim).sum(2);
    }

    /** Softmax of each row in place, shifted by the row maximum so that exp cannot overflow. */
    private static void softmaxRows(INDArray z) { // [M, S]
        z.subiColumnVector(z.max(true, 1));
        Transforms.exp(z, false);
        z.diviColumnVector(z.sum(true, 1));
    }

    /**
     * c = op(a)·op(b) for every (sequence, head) of [B, H, ·, ·] operands, the sequences split over the engine's
     * threads (ND4J's batched product parallelises over its OpenMP threads, which the engine keeps at one); one
     * batched product when an operand is not a contiguous buffer of its own (a KV cache's prefix view).
     */
    private static void perSequence(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB) {
        if (!RowChunks.isContiguous(a) || !RowChunks.isContiguous(b) || !RowChunks.isContiguous(c)) {
            Nd4j.matmul(a, b, c, transposeA, transposeB, false);
            return;
        }
        RowChunks.forEach(a.size(0), c.length() / c.size(0), (from, to) -> Nd4j.matmul(RowChunks.view(a, from, to),
                RowChunks.view(b, from, to), RowChunks.view(c, from, to), transposeA, transposeB, false));
    }

    /** Writes this step's keys and values [B, Hkv, T, hd] into the cache at positions [offset, offset + T). */
    private void appendToCache(KvCache cache, int offset, int t) {
        for (INDArray[] pair : new INDArray[][] {{cache.keys[layer], kh}, {cache.values[layer], vh}}) {
            pair[0].get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(offset, offset + t),
                    NDArrayIndex.all()).assign(pair[1]);
        }
    }

    /** The first S positions of a cache array [B, Hkv, capacity, hd], copied into a contiguous buffer. */
    private static INDArray cachedPrefix(INDArray cached, INDArray buffer, int s) {
        INDArray out = Buffers.reuse(buffer, cached.dataType(), cached.size(0), cached.size(1), s, cached.size(3));
        return out.assign(cached.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, s),
                NDArrayIndex.all()));
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
