package org.alignspark.common.lm;

import java.util.List;

/**
 * A decoder family: every choice the engine makes per family, and the Hugging Face names of the family's tensors.
 * Layers read their choices and names from here and never ask which family they belong to, so another family is
 * one more constant.
 */
public enum ModelFamily {
    /**
     * GPT-2 (Radford et al. 2019): learned positions, LayerNorm, one fused q/k/v projection, GELU-tanh MLP,
     * Conv1D weights [in, out] with a bias on every projection, unembedding tied to the token embedding.
     */
    GPT2("GPT-2", Norm::layerNorm, Positions.LEARNED, QkvProjection.Fused::new, Mlp.GeluMlp::new,
            SlidingLayers.NONE, Linear.Layout.IN_OUT, true, true, false,       // layout, biases, tied, no Gemma
            new TensorNames("transformer.", List.of(".attn.bias", ".attn.masked_bias"), // file prefix, buffers
                    "wte.weight", "wpe.weight", "ln_f", "lm_head",              // embeddings, final norm, head
                    "h.", "ln_1", "ln_2", null, null,                           // layer prefix, norms; no post-norms
                    "attn.", "c_attn", null, null, null, "c_proj",              // attention: qkv | q, k, v; out
                    null, null,                                                 // no q/k norms
                    "mlp.", null, "c_fc", "c_proj", List.of())),                // MLP: gate, up, down; fusions

    /**
     * Llama (Touvron et al. 2023): RoPE, RMSNorm, grouped-query attention with separate q/k/v projections, SwiGLU
     * MLP, {@code nn.Linear} weights [out, in] without biases (unless the config adds attention biases).
     */
    LLAMA("Llama", Norm::rmsNorm, Positions.ROTARY, QkvProjection.Separate::new, Mlp.SwiGluMlp::new,
            SlidingLayers.NONE, Linear.Layout.OUT_IN, false, false, false,      // layout, no biases, untied, no Gemma
            TensorNames.llamaLayout()),   // MLP: gate, up, down; fusions

    /**
     * Qwen3 (Qwen Team 2025, "Qwen3 Technical Report" §2): Llama's layout plus an RMSNorm over each head of the
     * queries and keys before RoPE ({@code q_norm}, {@code k_norm}, gains of size head_dim, shared by the heads),
     * no q/k/v biases, and a head dimension that config.json gives explicitly (it may differ from d / heads).
     */
    QWEN3("Qwen3", Norm::rmsNorm, Positions.ROTARY, QkvProjection.Separate::new, Mlp.SwiGluMlp::new,
            SlidingLayers.NONE, Linear.Layout.OUT_IN, false, false, false,      // layout, no biases, untied, no Gemma
            TensorNames.llamaLayout().withQkNorms("q_norm", "k_norm")),         // per-head q/k RMSNorm   // MLP: gate, up, down; fusions

    /**
     * Mistral (Jiang et al. 2023, "Mistral 7B" §2): Llama's layout and tensor names with sliding-window attention
     * in every layer when config.json sets {@code sliding_window} (each token attends to the last W positions,
     * its own included); no biases.
     */
    MISTRAL("Mistral", Norm::rmsNorm, Positions.ROTARY, QkvProjection.Separate::new, Mlp.SwiGluMlp::new,
            SlidingLayers.ALL, Linear.Layout.OUT_IN, false, false, false,      // layout, no biases, untied, no Gemma
            TensorNames.llamaLayout()),   // MLP: gate, up, down; fusions

    /**
     * Phi-3 (Abdin et al. 2024, "Phi-3 Technical Report" §2): Llama's block with sliding-window attention in every
     * layer when config.json sets {@code sliding_window}; its checkpoints store q/k/v as one {@code qkv_proj}
     * ([q | k | v] rows) and the MLP's gate and up as one {@code gate_up_proj} ([gate | up] rows). The engine holds
     * them as Llama's separate projections: split on load, fused again on save.
     */
    PHI3("Phi-3", Norm::rmsNorm, Positions.ROTARY, QkvProjection.Separate::new, Mlp.SwiGluMlp::new,
            SlidingLayers.ALL, Linear.Layout.OUT_IN, false, false, false,      // layout, no biases, untied, no Gemma
            TensorNames.llamaLayout().withFusedInFile(
                    List.of(new FusedInFile("self_attn.qkv_proj.weight",        // fused in the checkpoint
                                    List.of("self_attn.q_proj.weight", "self_attn.k_proj.weight",
                                            "self_attn.v_proj.weight")),
                            new FusedInFile("mlp.gate_up_proj.weight",
                                    List.of("mlp.gate_proj.weight", "mlp.up_proj.weight"))))),

    /**
     * Gemma 2 (Gemma Team 2024, "Gemma 2: Improving Open Language Models at a Practical Size" §2, Table 1):
     * RMSNorm with gain (1 + w) before and after both attention and MLP, token embeddings scaled by √d, GeGLU with
     * tanh GELU, sliding-window attention in the even layers (0, 2, …) alternating with global attention,
     * attention scores scaled by query_pre_attn_scalar^(−1/2) and soft-capped (cap · tanh(s / cap)), final logits
     * soft-capped, unembedding tied to the token embedding.
     */
    GEMMA2("Gemma 2", Norm::rmsNormOnePlusWeight, Positions.ROTARY, QkvProjection.Separate::new,
            Mlp.GeGluMlp::new, SlidingLayers.EVEN, Linear.Layout.OUT_IN, false, true, true, // no biases, tied, Gemma
            TensorNames.llamaLayout().withSandwichNorms("pre_feedforward_layernorm", // pre-MLP norm,
                    "post_attention_layernorm", "post_feedforward_layernorm"));  // post-norms

    /** The layers that attend through the config's sliding window, when it sets one. */
    public enum SlidingLayers {
        /** The family has no sliding-window attention: a config with a window is invalid. */
        NONE,
        /** Every layer (Mistral, Phi-3). */
        ALL,
        /** Layers 0, 2, 4, …; the odd ones attend globally (Gemma 2). */
        EVEN
    }

    /** How a token learns its position. */
    public enum Positions {
        /** A learned table of absolute positions added to the token embeddings ({@code wpe}). */
        LEARNED,
        /** Rotary embeddings (Su et al. 2021) of q and k inside attention. */
        ROTARY
    }

    private final String displayName;
    private final Norm.Factory norm;
    private final Positions positions;
    private final SlidingLayers slidingLayers;
    private final QkvProjection.Factory qkv;
    private final Mlp.Factory mlp;
    private final Linear.Layout layout;
    private final boolean projectionBiases;
    private final boolean tiedEmbeddings;
    private final boolean gemmaScaling;
    private final TensorNames names;

    ModelFamily(String displayName, Norm.Factory norm, Positions positions, QkvProjection.Factory qkv,
                Mlp.Factory mlp, SlidingLayers slidingLayers, Linear.Layout layout, boolean projectionBiases,
                boolean tiedEmbeddings, boolean gemmaScaling, TensorNames names) {
        this.displayName = displayName;
        this.norm = norm;
        this.positions = positions;
        this.slidingLayers = slidingLayers;
        this.qkv = qkv;
        this.mlp = mlp;
        this.layout = layout;
        this.projectionBiases = projectionBiases;
        this.tiedEmbeddings = tiedEmbeddings;
        this.gemmaScaling = gemmaScaling;
        this.names = names;
    }

    /**
     * Hugging Face tensor names. Per-layer names are relative to {@code layerPrefix + l + "."}; attention and MLP
     * projection names are relative to their module's prefix. A name is null where the family has no such tensor.
     *
     * @param checkpointPrefix prefix that checkpoint files may put before every name (GPT-2's {@code transformer.})
     * @param buffers          endings of stored tensors that are buffers, not parameters, and are skipped on load
     * @param postAttentionNorm the norm of attention's output before the residual add (Gemma 2), or null
     * @param postMlpNorm      the norm of the MLP's output before the residual add (Gemma 2), or null
     * @param qkv              one projection to [q | k | v], or null where q, k and v have their own
     * @param qNorm            the norm of each query head before RoPE (Qwen3's {@code q_norm}), or null for none
     * @param kNorm            the norm of each key head before RoPE, or null for none
     * @param fusedInFile      per-layer tensors that checkpoint files store concatenated (Phi-3's qkv_proj)
     */
    public record TensorNames(String checkpointPrefix, List<String> buffers,
                              String tokenEmbedding, String positionEmbedding, String finalNorm, String lmHead,
                              String layerPrefix, String attentionNorm, String mlpNorm,
                              String postAttentionNorm, String postMlpNorm,
                              String attention, String qkv, String q, String k, String v, String attentionOut,
                              String qNorm, String kNorm,
                              String mlp, String mlpGate, String mlpUp, String mlpDown,
                              List<FusedInFile> fusedInFile) {
        /** Llama's Hugging Face names, which Qwen3, Mistral, Phi-3 and Gemma 2 keep and extend. */
        static TensorNames llamaLayout() {
            return new TensorNames("", List.of(),                               // file prefix, buffers
                    "model.embed_tokens.weight", null, "model.norm", "lm_head", // embeddings, final norm, head
                    "model.layers.", "input_layernorm", "post_attention_layernorm", // layer prefix, its two norms
                    null, null,                                                 // no post-norms
                    "self_attn.", null, "q_proj", "k_proj", "v_proj", "o_proj", // attention: qkv | q, k, v; out
                    null, null,                                                 // no q/k norms
                    "mlp.", "gate_proj", "up_proj", "down_proj", List.of());    // MLP: gate, up, down; fusions
        }

        /** The same names with a norm over each head of the queries and keys. */
        TensorNames withQkNorms(String queryNorm, String keyNorm) {
            return new TensorNames(checkpointPrefix, buffers, tokenEmbedding, positionEmbedding, finalNorm, lmHead,
                    layerPrefix, attentionNorm, mlpNorm, postAttentionNorm, postMlpNorm, attention, qkv, q, k, v,
                    attentionOut, queryNorm, keyNorm, mlp, mlpGate, mlpUp, mlpDown, fusedInFile);
        }

        /** The same names with a norm before the MLP and norms after attention and the MLP. */
        TensorNames withSandwichNorms(String preMlpNorm, String afterAttention, String afterMlp) {
            return new TensorNames(checkpointPrefix, buffers, tokenEmbedding, positionEmbedding, finalNorm, lmHead,
                    layerPrefix, attentionNorm, preMlpNorm, afterAttention, afterMlp, attention, qkv, q, k, v,
                    attentionOut, qNorm, kNorm, mlp, mlpGate, mlpUp, mlpDown, fusedInFile);
        }

        /** The same names with tensors the checkpoint stores fused. */
        TensorNames withFusedInFile(List<FusedInFile> fused) {
            return new TensorNames(checkpointPrefix, buffers, tokenEmbedding, positionEmbedding, finalNorm, lmHead,
                    layerPrefix, attentionNorm, mlpNorm, postAttentionNorm, postMlpNorm, attention, qkv, q, k, v,
                    attentionOut, qNorm, kNorm, mlp, mlpGate, mlpUp, mlpDown, List.copyOf(fused));
        }

        /** Prefix of layer {@code l}'s tensors: {@code h.3.}, {@code model.layers.3.}. */
        public String layer(int l) {
            return layerPrefix + l + ".";
        }
    }

    /**
     * A per-layer tensor that checkpoint files store as the concatenation, along dim 0 (output rows of [out, in]
     * weights), of parameters the engine keeps apart. Names are relative to the layer prefix.
     */
    public record FusedInFile(String stored, List<String> parts) {
    }

    /** The family's name as its papers write it, for messages. */
    public String displayName() {
        return displayName;
    }

    public TensorNames names() {
        return names;
    }

    /** Learned absolute positions or RoPE. */
    public Positions positions() {
        return positions;
    }

    /** Which layers use the config's sliding window. */
    public SlidingLayers slidingLayers() {
        return slidingLayers;
    }

    /** Whether q, k and v come from one fused projection, which needs as many kv heads as query heads. */
    public boolean fusedQkv() {
        return names.qkv() != null;
    }

    /** Whether checkpoints of this family tie the unembedding to the token embedding unless they say otherwise. */
    public boolean tiedEmbeddings() {
        return tiedEmbeddings;
    }

    /**
     * Whether the family scales token embeddings by √d (in the embedding's dtype) and reads the config's
     * query_pre_attn_scalar and attention and final soft caps (Gemma 2).
     */
    public boolean gemmaScaling() {
        return gemmaScaling;
    }

    /** The family's norm over rows of the config's width. */
    Norm norm(Parameters params, String name, ModelConfig config) {
        return norm.create(params, name, config.dModel(), config.normEps());
    }

    /** Whether queries and keys are normalised per head before RoPE (Qwen3). */
    public boolean headNorms() {
        return names.qNorm() != null;
    }

    /** The family's norm over one attention head (width head_dim), for the q/k norms. */
    Norm headNorm(Parameters params, String name, ModelConfig config) {
        return norm.create(params, name, config.headDim(), config.normEps());
    }

    /** The family's q/k/v projection from the tensors under {@code prefix}. */
    QkvProjection qkv(Parameters params, String prefix, ModelConfig config) {
        return qkv.create(params, prefix, config);
    }

    /** The family's MLP from the tensors under {@code prefix}. */
    Mlp mlp(Parameters params, String prefix, ModelConfig config) {
        return mlp.create(params, prefix, config);
    }

    /**
     * An attention or MLP projection in the family's weight layout, with a bias where the family gives every
     * projection one or {@code bias} asks for it (the config's attention biases). The LM head is not one of these.
     */
    Linear projection(Parameters params, String name, int in, int out, boolean bias) {
        Linear linear = new Linear(params, name, in, out, projectionBiases || bias, layout);
        if (params.adapters() != null) {
            params.adapters().attach(linear, name, in, out);   // LoRA, where the module is a target
        }
        return linear;
    }

    /**
     * The names of the family's attention and MLP projections as PEFT's {@code target_modules} spells them (the last
     * component of the module path), in model order: LoRA's default targets.
     */
    public List<String> projectionModules() {
        return java.util.stream.Stream.of(names.qkv(), names.q(), names.k(), names.v(), names.attentionOut(),
                        names.mlpGate(), names.mlpUp(), names.mlpDown())
                .filter(java.util.Objects::nonNull).distinct().toList();
    }

    /** Whether weights are stored [in, out] (GPT-2's Conv1D: PEFT's {@code fan_in_fan_out}). */
    public boolean fanInFanOut() {
        return layout == Linear.Layout.IN_OUT;
    }
}
