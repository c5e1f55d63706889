package org.alignspark.common.lm;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A decoder-only transformer language model, GPT-2 (Radford et al. 2019) or Llama (Touvron et al. 2023):
 *
 * <pre>
 *   x      = wte[tokens] (+ wpe[positions] for GPT-2; × √d for Gemma 2)   [B·T, d]
 *   x      = block_l(x) for l = 0 … L−1                          [B·T, d]
 *   hidden = final_norm(x)                                       [B·T, d]   ← {@link #hiddenStates()}
 *   logits = hidden · Eᵀ   (E = wte when tied, else lm_head)     [B·T, V]   ← {@link #logits()}
 *   logits = cap · tanh(logits / cap)   (Gemma 2's final soft cap)          [B·T, V]
 * </pre>
 *
 * The layers and their tensor names are the config's {@link ModelFamily}'s; {@link #logProbs} reads the logits
 * through a {@link LogSoftmaxHead}. The model keeps the activations of its last {@link #forward} for
 * {@link #backward}; one instance serves one thread. Parameter gradients accumulate until
 * {@link Parameters#zeroGradients()}.
 *
 * <p>The logits are lazy: {@link #forwardHidden} stops at the hidden states, and the logits [N, V] exist whole only
 * when asked for ({@link #forward}, {@link #logits()}). {@link #logProbs} after {@link #forwardHidden} computes them
 * {@link #logitChunkRows()} rows at a time from the hidden states, keeping only each row's log Σ exp and its
 * target's logit, and {@link #backwardFromLogProbs} computes each chunk again (one more head product) to
 * backpropagate it, so no [N, V] array is held through forward and backward. When every row fits one chunk the
 * logits are kept whole, as {@link #forward} keeps them.
 */
public final class CausalLM {
    private final ModelConfig config;
    private final Parameters params;            // the weights the layers read: all of them, or a frozen base
    private final LoraAdapters adapters;        // LoRA adapters over a frozen base, else null
    private final Embedding tokenEmbedding;
    private final Embedding positionEmbedding;  // learned positions (GPT-2), else null
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final Norm finalNorm;
    private final Linear lmHead;
    private final LogSoftmaxHead logSoftmax;
    private final double[] inverseFrequencies;  // RoPE (Llama), else null
    private final double embeddingScale;        // √d in the embedding's dtype (Gemma 2), else 1
    private int logitChunkTokens = AUTO_LOGIT_CHUNK;
    private boolean gradientCheckpointing;

    private Batch batch;
    private Step step;
    private INDArray x0;           // [N, d] embeddings
    private INDArray hidden;       // [N, d]
    private INDArray logits;       // [N, V] when materialised, else null
    private INDArray logitBuffer;  // [N, V], what logits is once materialised
    private INDArray logitChunk;   // [C, V], one chunk of rows of the logits
    private INDArray dHiddenFlat;  // [N, d]
    private INDArray[] blockInputs;  // [N, d] each block's input, kept by a checkpointed forward
    private INDArray carry;          // [N, d] dL/d(a block's output) while the buffers move to the block below
    private int buffersAt = -1;      // the block holding the buffers after a checkpointed pass, else -1
    private final long[] dropoutSeeds;  // each block's dropout seed in the last forward

    /** {@link #setLogitChunkTokens}: as many rows as {@link #LOGIT_CHUNK_BYTES} hold. */
    public static final int AUTO_LOGIT_CHUNK = -1;

    /** The default byte budget of one chunk of logits: {@link #logitChunkRows()} = max(1, this / (V · bytes)). */
    public static final long LOGIT_CHUNK_BYTES = 64L << 20;

    public CausalLM(ModelConfig config) {
        this(config, new Parameters(config.dataType()));
    }

    /** This model with the other's engine settings (logit chunks, gradient checkpointing), for a model made from it. */
    private CausalLM withSettingsOf(CausalLM other) {
        logitChunkTokens = other.logitChunkTokens;
        gradientCheckpointing = other.gradientCheckpointing;
        return this;
    }

    /**
     * Gradient checkpointing (Chen et al. 2016, "Training Deep Nets with Sublinear Memory Cost", arXiv 1604.06174, §3;
     * per decoder layer, as transformers' {@code gradient_checkpointing_enable()}): a forward without a KV cache keeps
     * only each block's input [N, d], the blocks computing one after another in a single set of buffers
     * ({@link BlockBuffers}); the backward runs each block's forward once more, from its kept input, right before
     * that block's backward. Activation memory of the trunk drops from L blocks' worth to one block's plus L · N · d
     * values, for about one more forward of compute. Gradients are the same to the last bit: the recomputation repeats
     * the same operations on the same inputs, and each block's adapter dropout is drawn from its own seed, replayed.
     * Copied to replicas and to the models {@link #withLora} and {@link #withoutAdapters} make. A frozen model without
     * adapters (inference only) always runs its forward passes this way.
     */
    public CausalLM setGradientCheckpointing(boolean on) {
        gradientCheckpointing = on;
        return this;
    }

    /** The setting of {@link #setGradientCheckpointing}. */
    public boolean gradientCheckpointing() {
        return gradientCheckpointing;
    }

    /**
     * Rows of logits {@link #logProbs} computes at a time after {@link #forwardHidden}: {@code tokens} &gt; 0 rows,
     * 0 every row at once (the whole [N, V], as {@link #forward}), {@link #AUTO_LOGIT_CHUNK} as many as
     * {@link #LOGIT_CHUNK_BYTES} hold. Copied to replicas and to the models {@link #withLora} and
     * {@link #withoutAdapters} make.
     */
    public CausalLM setLogitChunkTokens(int tokens) {
        if (tokens < AUTO_LOGIT_CHUNK) {
            throw new IllegalArgumentException("logit chunk tokens must be > 0, 0 (whole) or " + AUTO_LOGIT_CHUNK
                    + " (auto), got " + tokens);
        }
        logitChunkTokens = tokens;
        return this;
    }

    /** The setting of {@link #setLogitChunkTokens}. */
    public int logitChunkTokens() {
        return logitChunkTokens;
    }

    /** Rows per chunk of logits that setting gives: Integer.MAX_VALUE for whole. */
    public int logitChunkRows() {
        if (logitChunkTokens == 0) {
            return Integer.MAX_VALUE;
        }
        if (logitChunkTokens > 0) {
            return logitChunkTokens;
        }
        long row = (long) config.vocabSize() * config.dataType().width();
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, LOGIT_CHUNK_BYTES / row));
    }

    private CausalLM(ModelConfig config, Parameters params) {
        EngineThreads.ensureConfigured();                                        // the first model logs the engine
        ModelFamily family = config.family();
        ModelFamily.TensorNames names = family.names();
        this.config = config;
        this.params = params;
        this.adapters = params.adapters();
        tokenEmbedding = new Embedding(params, names.tokenEmbedding(), config.vocabSize(), config.dModel());
        positionEmbedding = family.positions() == ModelFamily.Positions.LEARNED
                ? new Embedding(params, names.positionEmbedding(), config.maxPositions(), config.dModel())
                : null;
        for (int l = 0; l < config.nLayers(); l++) {
            blocks.add(new TransformerBlock(config, params, l));
        }
        dropoutSeeds = new long[config.nLayers()];
        blockInputs = new INDArray[config.nLayers()];
        finalNorm = family.norm(params, names.finalNorm(), config);
        inverseFrequencies = family.positions() == ModelFamily.Positions.ROTARY
                ? Rope.inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling())
                : null;
        lmHead = config.tieWordEmbeddings()
                ? Linear.shared(params, names.tokenEmbedding(), config.dModel(), config.vocabSize())
                : new Linear(params, names.lmHead(), config.dModel(), config.vocabSize(), false, Linear.Layout.OUT_IN);
        logSoftmax = new LogSoftmaxHead(config.dataType());
        double sqrtD = Math.sqrt(config.dModel());
        embeddingScale = !family.gemmaScaling() ? 1.0
                : config.dataType() == DataType.FLOAT ? (float) sqrtD : sqrtD;
    }

    /** A model with GPT-2's initialisation: matrices N(0, 0.02), norm gains 1, biases 0, from {@code seed}. */
    public static CausalLM initialize(ModelConfig config, long seed) {
        return initialize(new CausalLM(config), seed);
    }

    /** Draws {@code model}'s weights with GPT-2's initialisation from {@code seed} (a frozen model: one to save). */
    public static CausalLM initialize(CausalLM model, long seed) {
        Initialization.gpt2(model.params, seed);
        return model;
    }

    /**
     * A model over the same parameter and gradient arrays with its own activation buffers, so another thread can
     * run it: one loaded model serves all task threads of an executor. Replicas are for concurrent inference;
     * training one while another runs would race on the shared gradients.
     */
    public CausalLM replica() {
        return new CausalLM(config, params.shared()).withSettingsOf(this);
    }

    /** A model without gradient buffers, for inference or as the frozen base of LoRA adapters. */
    public static CausalLM frozen(ModelConfig config) {
        return new CausalLM(config, new Parameters(config.dataType(), true));
    }

    /**
     * A model that trains LoRA adapters (Hu et al. 2021) on this model's weights, which it shares read-only and never
     * differentiates: several such models, one per task thread, may share one base. Its {@link #parameters()} are the
     * adapters' A and B only, A drawn from {@code seed} (PEFT's Kaiming-uniform), B zero, so at first it computes
     * what this model computes. Dropout on the adapters' inputs is off until {@link #train}.
     */
    public CausalLM withLora(LoraConfig lora, long seed) {
        if (adapters != null) {
            throw new IllegalStateException("this model already carries LoRA adapters");
        }
        if (!config.family().names().fusedInFile().isEmpty()) {
            throw new IllegalArgumentException("LoRA on " + config.family().displayName()
                    + " is not supported: its checkpoints fuse the projections PEFT adapts (qkv_proj, gate_up_proj)");
        }
        LoraAdapters loraAdapters = new LoraAdapters(lora, config, seed);
        CausalLM model = new CausalLM(config, params.frozenWith(loraAdapters)).withSettingsOf(this);
        loraAdapters.checkTargetsFound(config.family());
        return model;
    }

    /**
     * The base under this model's adapters, read-only and without gradients (TRL's reference model for DPO with
     * PEFT: the policy with its adapters disabled); for a model without adapters, a read-only view of it.
     */
    public CausalLM withoutAdapters() {
        return new CausalLM(config, params.frozenWith(null)).withSettingsOf(this);
    }

    /** Whether LoRA adapters ride on a frozen base. */
    public boolean hasAdapters() {
        return adapters != null;
    }

    /** The adapters' configuration; only for a model with adapters. */
    public LoraConfig lora() {
        requireAdapters();
        return adapters.config();
    }

    /** The adapted module paths ({@code model.layers.0.self_attn.q_proj}), in model order; only with adapters. */
    public java.util.Set<String> adaptedModules() {
        requireAdapters();
        return java.util.Collections.unmodifiableSet(adapters.modules().keySet());
    }

    /**
     * The same model with each adapter folded into its base weight, W + (α/r)·B A (Hu et al. 2021 §4.1: "no
     * additional inference latency"), as new arrays without gradient buffers; the base is left as it was.
     */
    public CausalLM merged() {
        requireAdapters();
        CausalLM merged = frozen(config).withSettingsOf(this);
        for (var e : merged.params.values().entrySet()) {
            e.getValue().assign(params.values().get(e.getKey()));
        }
        boolean fanInFanOut = config.family().fanInFanOut();
        for (var e : adapters.modules().entrySet()) {
            merged.params.values().get(e.getKey() + ".weight").addi(e.getValue().delta(fanInFanOut));
        }
        return merged;
    }

    /** Turns dropout on the adapters' inputs on (training) or off (evaluation); no effect without adapters. */
    public void train(boolean on) {
        if (adapters != null) {
            adapters.train(on);
        }
    }

    private void requireAdapters() {
        if (adapters == null) {
            throw new IllegalStateException("this model has no LoRA adapters");
        }
    }

    public ModelConfig config() {
        return config;
    }

    /**
     * The trained parameters: every weight of a plain model; only the adapters' A and B of a model with LoRA
     * adapters, whose base is {@link #baseParameters()}.
     */
    public Parameters parameters() {
        return adapters == null ? params : adapters.parameters();
    }

    /** The weights the layers read: the same as {@link #parameters()} without adapters, else the frozen base. */
    public Parameters baseParameters() {
        return params;
    }

    /** A cache for decoding up to {@code capacity} positions of {@code batch} rows. */
    public KvCache newKvCache(int batch, int capacity) {
        return new KvCache(config, batch, capacity);
    }

    /** Logits of every position, [B, T, V]. */
    public INDArray forward(Batch batch) {
        return forward(batch, null);
    }

    /**
     * Runs the model on {@code batch}. With a cache, the batch holds only the new tokens of each row: they
     * attend to the cached keys and their own, and are appended to the cache. Returns logits [B, T, V].
     */
    public INDArray forward(Batch batch, KvCache cache) {
        forwardHidden(batch, cache);
        return logits();
    }

    /**
     * Runs the model on {@code batch} up to the final hidden states, [B, T, d] ({@link #hiddenStates()}), without the
     * logits: what {@link #logProbs} and a reward head read. {@link #logits()} still gives the logits.
     */
    public INDArray forwardHidden(Batch batch) {
        return forwardHidden(batch, null);
    }

    /** {@link #forward(Batch, KvCache)} up to the final hidden states, [B, T, d], as {@link #forwardHidden(Batch)}. */
    public INDArray forwardHidden(Batch batch, KvCache cache) {
        int b = batch.batchSize();
        int t = batch.length();
        int offset = cache == null ? 0 : cache.length();
        if (cache != null && (cache.batchSize() != b || offset + t > cache.capacity())) {
            throw new IllegalArgumentException("batch of " + b + "×" + t + " does not fit a KV cache of "
                    + cache.batchSize() + " rows holding " + offset + " of " + cache.capacity() + " positions");
        }
        run(batch, batch.positions(cache == null ? null : cache.realTokens), cache, false);
        if (cache != null) {
            cache.advance(batch.mask());
        }
        return hiddenStates();
    }

    /**
     * Runs the model on {@code batch}, every row a continuation of the one sequence in {@code prefix} (a one-row
     * cache filled by {@link #forward(Batch, KvCache)}, without padding): each row's tokens take positions after the
     * prefix and attend to the prefix's cached keys and values, which are computed once and read by all rows in place
     * of a copy per row (prefix sharing, as in vLLM and SGLang's RadixAttention). The cache is read, not written, so
     * it serves any number of such batches. Logits equal those of {@link #forward(Batch)} on the prefix followed by each
     * right-padded row. Inference only. Returns logits [B, T, V].
     */
    public INDArray forwardAfterSharedPrefix(Batch batch, KvCache prefix) {
        forwardHiddenAfterSharedPrefix(batch, prefix);
        return logits();
    }

    /** {@link #forwardAfterSharedPrefix} up to the final hidden states, [B, T, d], as {@link #forwardHidden(Batch)}. */
    public INDArray forwardHiddenAfterSharedPrefix(Batch batch, KvCache prefix) {
        int p = prefix.length();
        if (prefix.batchSize() != 1 || p == 0 || prefix.realTokens[0] != p) {
            throw new IllegalArgumentException("a shared prefix is one row of real tokens; this cache has "
                    + prefix.batchSize() + " rows, " + prefix.realTokens[0] + " real tokens of " + p + " positions");
        }
        for (int[] row : batch.mask()) {
            for (int j = 1; j < row.length; j++) {
                if (row[j] == 1 && row[j - 1] == 0) {
                    throw new IllegalArgumentException("rows after a shared prefix must be right-padded");
                }
            }
        }
        int[] before = new int[batch.batchSize()];
        java.util.Arrays.fill(before, p);
        run(batch, batch.positions(before), prefix, true);
        return hiddenStates();
    }

    private void run(Batch batch, int[][] positions, KvCache cache, boolean sharedPrefix) {
        int b = batch.batchSize();
        int t = batch.length();
        int offset = cache == null ? 0 : cache.length();
        this.batch = batch;
        logSoftmax.reset();
        logits = null;
        int[] ids = flatten(batch.tokens());
        INDArray[] rope = inverseFrequencies == null
                ? new INDArray[2]
                : Rope.tables(positions, inverseFrequencies, config.dataType());
        INDArray mask = AttentionMask.additive(batch, cache, offset, 0, sharedPrefix, config.dataType());   // [B, 1, T, S]
        INDArray slidingMask = config.slidingWindow() == 0 ? null
                : AttentionMask.additive(batch, cache, offset, config.slidingWindow(), sharedPrefix, config.dataType());
        step = new Step(b, t, offset, mask, slidingMask, rope[0], rope[1], cache, sharedPrefix);

        INDArray x = tokenEmbedding.forward(ids);                                // [N, d]
        if (embeddingScale != 1.0) {
            x.muli(embeddingScale);                                              // Gemma 2: × √d
        }
        if (positionEmbedding != null) {
            x0 = Buffers.reuse(x0, config.dataType(), x.shape()).assign(x)
                    .addi(positionEmbedding.forward(checkedPositions(positions)));
            x = x0;
        }
        boolean checkpointed = cache == null && (gradientCheckpointing || inferenceOnly());
        for (int l = 0; l < blocks.size(); l++) {
            drawDropout(l);
            if (checkpointed) {
                blockInputs[l] = Buffers.reuse(blockInputs[l], config.dataType(), x.shape()).assign(x);
                moveBuffersTo(l);
                x = blocks.get(l).forward(blockInputs[l], step);                 // [N, d]
            } else {
                x = blocks.get(l).forward(x, step);                              // [N, d]
            }
        }
        if (!checkpointed) {
            buffersAt = -1;
            java.util.Arrays.fill(blockInputs, null);
        }
        hidden = finalNorm.forward(x);                                            // [N, d]
    }

    /**
     * A model without gradients of its own (frozen, no adapters: a reference model, a scorer) runs every forward
     * without a KV cache in one set of block buffers, as {@link #setGradientCheckpointing} does: nothing reads a
     * block's activations after the block has run.
     */
    private boolean inferenceOnly() {
        return params.frozen() && adapters == null;
    }

    /** Each block's adapter dropout from a seed of its own, so a checkpointed backward can draw the same masks again. */
    private void drawDropout(int layer) {
        if (adapters != null && adapters.dropping()) {
            dropoutSeeds[layer] = adapters.nextDropoutSeed();
            replayDropout(layer);
        }
    }

    /** Block {@code layer}'s masks of the last forward, drawn again (its recomputation in a checkpointed backward). */
    private void replayDropout(int layer) {
        if (adapters != null && adapters.dropping()) {
            adapters.seedDropout(dropoutSeeds[layer]);
        }
    }

    /** Gives block {@code layer} the buffers of the block that holds them (a checkpointed pass). */
    private void moveBuffersTo(int layer) {
        if (buffersAt >= 0 && buffersAt != layer) {
            BlockBuffers.move(blocks.get(buffersAt), blocks.get(layer));
        }
        buffersAt = layer;
    }

    /**
     * Logits of the last forward, [B, T, V]: a view of the model's buffer, overwritten by the next forward; after
     * {@link #forwardHidden}, computed whole now.
     */
    public INDArray logits() {
        return wholeLogits().reshape(batch.batchSize(), batch.length(), config.vocabSize());
    }

    /** The logits [N, V] of the last forward, computed from the hidden states unless they are already. */
    private INDArray wholeLogits() {
        if (logits == null) {
            logitBuffer = Buffers.reuse(logitBuffer, config.dataType(), hidden.rows(), config.vocabSize());
            logits = head(hidden, logitBuffer);
        }
        return logits;
    }

    /**
     * Logits of the rows [from, to) of the hidden states into the chunk buffer (overwritten by the next chunk): the
     * head's product on those rows only, so {@link Linear#backward} after it differentiates these rows.
     */
    private INDArray logitRows(long from, long to) {
        logitChunk = Buffers.reuse(logitChunk, config.dataType(), Math.min(logitChunkRows(), hidden.rows()),
                config.vocabSize());
        return head(RowChunks.rows(hidden, from, to), RowChunks.rows(logitChunk, 0, to - from));
    }

    /** logits = h · Eᵀ into {@code into} [n, V], then Gemma 2's cap · tanh(z / cap). */
    private INDArray head(INDArray h, INDArray into) {
        INDArray z = lmHead.forwardInto(h, into);                                // [n, V]
        if (config.finalLogitSoftcap() > 0) {                                     // Gemma 2: cap · tanh(z / cap)
            Transforms.tanh(z.divi(config.finalLogitSoftcap()), false).muli(config.finalLogitSoftcap());
        }
        return z;
    }

    /**
     * Logits of one position of the last forward, [V]: read from the logits when they are whole, else computed from
     * that position's hidden state alone (inference: a later backward computes its own chunks again).
     */
    public INDArray logitsAt(int row, int position) {
        long r = (long) row * batch.length() + position;
        if (logits != null) {
            return logits.getRow(r).dup();
        }
        return head(RowChunks.rows(hidden, r, r + 1), Nd4j.create(config.dataType(), 1, config.vocabSize()))
                .reshape(config.vocabSize());
    }

    /**
     * Final hidden states of the last forward, [B, T, d]: the unembedding's input, after the final norm (what
     * CHES and a reward head read). A view of the model's buffer, overwritten by the next forward.
     */
    public INDArray hiddenStates() {
        return hidden.reshape(batch.batchSize(), batch.length(), config.dModel());
    }

    /**
     * log p(targets[b][t] | tokens[b][0..t]) from the last forward, [B, T]; 0 where targets[b][t] &lt; 0.
     * {@link #backwardFromLogProbs} differentiates exactly these values.
     */
    public INDArray logProbs(int[][] targets) {
        int b = batch.batchSize();
        int t = batch.length();
        if (targets.length != b || targets[0].length != t) {
            throw new IllegalArgumentException("targets must be " + b + "×" + t);
        }
        long n = hidden.rows();
        int chunk = logitChunkRows();
        if (logits != null || n <= chunk) {
            return logSoftmax.logProbs(wholeLogits(), targets);
        }
        logitBuffer = null;                                                       // a whole [N, V] one, if any
        return logSoftmax.logProbs(n, chunk, this::logitRows, targets);
    }

    /**
     * log Σ_v p(v | tokens[b][0..t])² from the last {@link #logProbs} call, [B][T] (WPO's per-position normaliser,
     * docs/spec-objectives.md §11a); no gradient flows through it.
     */
    public double[][] logSquaredMasses() {
        double[] flat = logSoftmax.logSquaredMasses();
        int b = batch.batchSize();
        int t = batch.length();
        double[][] out = new double[b][t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(flat, i * t, out[i], 0, t);
        }
        return out;
    }

    /**
     * Bytes of the activation, scratch and gradient buffers the model holds now (after a forward, or a forward and a
     * backward): every array its layers keep besides the parameters and their gradients, each buffer once.
     */
    public long activationBytes() {
        return adapters == null ? ActivationBytes.of(this, params) : ActivationBytes.of(this, params, adapters.parameters());
    }

    /** {@link #activationBytes()} per token of the last batch (B · T) per layer. */
    public double activationBytesPerTokenPerLayer() {
        return (double) activationBytes() / ((long) batch.batchSize() * batch.length()) / config.nLayers();
    }

    /** {@link Batch#nextTokenTargets()} of the last batch. */
    public int[][] nextTokenTargets() {
        return batch.nextTokenTargets();
    }

    /**
     * Backpropagates dL/d(log-probs) [B, T] of the last {@link #logProbs} call, plus an optional
     * dL/d(hidden states) [B, T, d] (e.g. from a reward head), into the parameter gradients.
     */
    public void backwardFromLogProbs(INDArray dLogProbs, INDArray dHidden) {
        if (!logSoftmax.chunked()) {
            backwardFlat(logSoftmax.backward(dLogProbs), dHidden);
            return;
        }
        requireNoCache();
        dHiddenFlat = Buffers.reuse(dHiddenFlat, config.dataType(), hidden.shape()).assign(0);
        logSoftmax.backwardInChunks(dLogProbs, (from, to, z, dz) ->                // z: this chunk's logits, again
                RowChunks.rows(dHiddenFlat, from, to).addi(lmHead.backward(uncapped(dz, z, true))));
        backwardTrunk(dHidden);
    }

    /**
     * Backpropagates dL/d(logits) [B, T, V] and/or dL/d(hidden states) [B, T, d]; either may be null. With
     * dL/d(logits), the logits must be whole ({@link #forward} or {@link #logits()} since the last forward).
     */
    public void backward(INDArray dLogits, INDArray dHidden) {
        if (dLogits != null && logits == null) {
            throw new IllegalStateException("backward from dL/d(logits) needs the logits: forward or logits() first");
        }
        backwardFlat(dLogits == null ? null : dLogits.reshape(logits.rows(), config.vocabSize()), dHidden);
    }

    private void requireNoCache() {
        if (step.cache() != null) {
            throw new IllegalStateException("backward needs a forward pass without a KV cache");
        }
    }

    private void backwardFlat(INDArray dLogits, INDArray dHidden) {
        requireNoCache();
        dHiddenFlat = Buffers.reuse(dHiddenFlat, config.dataType(), hidden.shape()).assign(0);
        if (dLogits != null) {
            dHiddenFlat.addi(lmHead.backward(uncapped(dLogits, logits, false)));  // [N, d]
        }
        backwardTrunk(dHidden);
    }

    /** From dL/d(hidden) (dHiddenFlat, plus {@code dHidden} when given) down to the embeddings. */
    private void backwardTrunk(INDArray dHidden) {
        if (dHidden != null) {
            dHiddenFlat.addi(dHidden.reshape(hidden.shape()));
        }
        INDArray dx = finalNorm.backward(dHiddenFlat);                            // [N, d]
        for (int l = blocks.size() - 1; l >= 0; l--) {
            if (buffersAt >= 0 && buffersAt != l) {                               // checkpointed: recompute block l
                carry = Buffers.reuse(carry, config.dataType(), dx.shape()).assign(dx);   // dx is in the moving buffers
                moveBuffersTo(l);
                replayDropout(l);
                blocks.get(l).forward(blockInputs[l], step);
                dx = carry;
            }
            dx = blocks.get(l).backward(dx);
        }
        tokenEmbedding.backward(embeddingScale == 1.0 ? dx : dx.mul(embeddingScale));
        if (positionEmbedding != null) {
            positionEmbedding.backward(dx);
        }
    }

    /**
     * dL/dz from dL/d(cap · tanh(z / cap)) = dL/dlogits ⊙ (1 − (logits / cap)²); the identity without a cap. With
     * {@code overwrite} the result is written over {@code logits} (a chunk's, not needed after), else into a new array.
     */
    private INDArray uncapped(INDArray dLogits, INDArray logits, boolean overwrite) {
        double cap = config.finalLogitSoftcap();
        if (cap == 0) {
            return dLogits;
        }
        INDArray t = overwrite ? logits.divi(cap) : logits.div(cap);             // tanh(z / cap), [n, V]
        return t.muli(t).rsubi(1.0).muli(dLogits);
    }

    private int[] checkedPositions(int[][] positions) {
        int[] flat = flatten(positions);
        for (int p : flat) {
            if (p >= config.maxPositions()) {
                throw new IllegalArgumentException("position " + p + " exceeds max_positions " + config.maxPositions());
            }
        }
        return flat;
    }

    private static int[] flatten(int[][] rows) {
        int t = rows[0].length;
        int[] flat = new int[rows.length * t];
        for (int b = 0; b < rows.length; b++) {
            System.arraycopy(rows[b], 0, flat, b * t, t);
        }
        return flat;
    }
}
