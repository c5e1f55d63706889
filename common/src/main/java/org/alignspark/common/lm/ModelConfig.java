package org.alignspark.common.lm;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * Shape and numerics of a decoder-only transformer; its {@link ModelFamily} fixes the layer choices and tensor
 * names (Qwen2 runs as Llama with q/k/v biases). {@code HfConfig} maps this to and from Hugging Face
 * {@code config.json}.
 *
 * @param nKvHeads      key/value heads; query head h reads kv head {@code h / (nHeads / nKvHeads)}
 * @param headDim       width of one attention head; d_model / n_heads unless config.json says otherwise (Qwen3)
 * @param normEps       LayerNorm epsilon (GPT-2) or RMSNorm epsilon (Llama)
 * @param ropeTheta     RoPE base; unused by GPT-2
 * @param qkvBias       q/k/v projections carry a bias (Qwen2, Llama with attention_bias)
 * @param outProjBias   the attention output projection carries a bias (Llama with attention_bias)
 * @param ropeScaling   Llama 3's long-context RoPE frequency scaling, or null for none
 * @param slidingWindow W of sliding-window attention in the layers its family slides (Mistral: all), 0 for none:
 *                      query position i sees key positions j with i − W &lt; j ≤ i, as Hugging Face's
 *                      {@code sliding_window_overlay} (positions are indices in the padded row, the cache included)
 * @param queryPreAttnScalar attention scores are scaled by this^(−1/2) instead of head_dim^(−1/2) (Gemma 2), 0 for
 *                      head_dim
 * @param attnLogitSoftcap attention scores s become cap · tanh(s / cap) before the mask (Gemma 2), 0 for none
 * @param finalLogitSoftcap logits z become cap · tanh(z / cap) (Gemma 2), 0 for none
 */
public record ModelConfig(
        ModelFamily family,
        int vocabSize,
        int dModel,
        int nLayers,
        int nHeads,
        int nKvHeads,
        int headDim,
        int dFf,
        int maxPositions,
        double normEps,
        double ropeTheta,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean outProjBias,
        RopeScaling ropeScaling,
        int slidingWindow,
        double queryPreAttnScalar,
        double attnLogitSoftcap,
        double finalLogitSoftcap,
        DataType dataType) {

    /**
     * Llama 3's RoPE scaling ({@code rope_scaling.rope_type = "llama3"}): frequencies whose wavelength exceeds
     * originalMaxPositions / lowFreqFactor are divided by factor, those shorter than
     * originalMaxPositions / highFreqFactor are kept, and those between are interpolated.
     */
    public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
    }

    public ModelConfig {
        require(vocabSize > 0 && dModel > 0 && nLayers > 0 && nHeads > 0 && nKvHeads > 0 && headDim > 0 && dFf > 0
                && maxPositions > 0, "sizes must be positive");
        require(nHeads % nKvHeads == 0, "n_heads " + nHeads + " is not a multiple of n_kv_heads " + nKvHeads);
        require(!family.fusedQkv() || nKvHeads == nHeads, family.displayName() + " has no grouped-query attention");
        require(!family.fusedQkv() || headDim * nHeads == dModel,
                family.displayName() + " needs head_dim × n_heads = d_model, got " + headDim + " × " + nHeads);
        require(family.positions() != ModelFamily.Positions.ROTARY || headDim % 2 == 0,
                "RoPE needs an even head dimension");
        require(slidingWindow >= 0, "sliding_window must be positive, or 0 for none");
        require(slidingWindow == 0 || family.slidingLayers() != ModelFamily.SlidingLayers.NONE,
                family.displayName() + " has no sliding-window attention");
        require(queryPreAttnScalar >= 0 && attnLogitSoftcap >= 0 && finalLogitSoftcap >= 0,
                "query_pre_attn_scalar and soft caps must be positive, or 0 for none");
        require(family.gemmaScaling() || (queryPreAttnScalar == 0 && attnLogitSoftcap == 0 && finalLogitSoftcap == 0),
                family.displayName() + " has no query_pre_attn_scalar or soft caps");
        require(dataType == DataType.FLOAT || dataType == DataType.DOUBLE, "dtype must be FLOAT or DOUBLE");
    }

    /** GPT-2 with d_ff = 4·d, tied embeddings, eps 1e-5, float32. */
    public static ModelConfig gpt2(int vocabSize, int dModel, int nLayers, int nHeads, int maxPositions) {
        require(dModel % nHeads == 0, "d_model " + dModel + " is not a multiple of n_heads " + nHeads);
        return new ModelConfig(ModelFamily.GPT2, vocabSize, dModel, nLayers, nHeads, nHeads, dModel / nHeads,
                4 * dModel, maxPositions,
                1e-5, 10000.0, ModelFamily.GPT2.tiedEmbeddings(), false, false, null, 0, 0, 0, 0, DataType.FLOAT);
    }

    /** Llama with untied embeddings, head_dim d / heads, eps 1e-6, theta 1e4, no biases, float32. */
    public static ModelConfig llama(int vocabSize, int dModel, int nLayers, int nHeads, int nKvHeads, int dFf,
                                    int maxPositions) {
        require(dModel % nHeads == 0, "d_model " + dModel + " is not a multiple of n_heads " + nHeads);
        return new ModelConfig(ModelFamily.LLAMA, vocabSize, dModel, nLayers, nHeads, nKvHeads, dModel / nHeads, dFf,
                maxPositions,
                1e-6, 10000.0, ModelFamily.LLAMA.tiedEmbeddings(), false, false, null, 0, 0, 0, 0, DataType.FLOAT);
    }

    /** The sliding window of layer {@code layer}, or 0 where it attends to every earlier position. */
    public int slidingWindow(int layer) {
        return switch (family.slidingLayers()) {
            case NONE -> 0;
            case ALL -> slidingWindow;
            case EVEN -> layer % 2 == 0 ? slidingWindow : 0;
        };
    }

    /** The same model in another precision. */
    public ModelConfig withDataType(DataType type) {
        return toBuilder().dataType(type).build();
    }

    /** A builder starting from this config, to change the options the family factories leave at their defaults. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A copy of a config with some options changed: {@code config.toBuilder().qkvBias(true).build()}. */
    public static final class Builder {
        private final ModelConfig base;
        private ModelFamily family;
        private int headDim;
        private boolean tieWordEmbeddings;
        private boolean qkvBias;
        private double ropeTheta;
        private RopeScaling ropeScaling;
        private int slidingWindow;
        private double queryPreAttnScalar;
        private double attnLogitSoftcap;
        private double finalLogitSoftcap;
        private DataType dataType;

        private Builder(ModelConfig base) {
            this.base = base;
            this.family = base.family;
            this.headDim = base.headDim;
            this.tieWordEmbeddings = base.tieWordEmbeddings;
            this.qkvBias = base.qkvBias;
            this.ropeTheta = base.ropeTheta;
            this.ropeScaling = base.ropeScaling;
            this.slidingWindow = base.slidingWindow;
            this.queryPreAttnScalar = base.queryPreAttnScalar;
            this.attnLogitSoftcap = base.attnLogitSoftcap;
            this.finalLogitSoftcap = base.finalLogitSoftcap;
            this.dataType = base.dataType;
        }

        /** Another family of the same sizes (a Llama-shaped Qwen3 or Mistral). */
        public Builder family(ModelFamily family) {
            this.family = family;
            return this;
        }

        public Builder headDim(int headDim) {
            this.headDim = headDim;
            return this;
        }

        public Builder tieWordEmbeddings(boolean tied) {
            this.tieWordEmbeddings = tied;
            return this;
        }

        public Builder qkvBias(boolean bias) {
            this.qkvBias = bias;
            return this;
        }

        public Builder ropeTheta(double theta) {
            this.ropeTheta = theta;
            return this;
        }

        public Builder ropeScaling(RopeScaling scaling) {
            this.ropeScaling = scaling;
            return this;
        }

        public Builder slidingWindow(int window) {
            this.slidingWindow = window;
            return this;
        }

        /** Gemma 2's attention scale and soft caps (0 for head_dim, and for no cap). */
        public Builder gemmaScaling(double queryPreAttnScalar, double attnLogitSoftcap, double finalLogitSoftcap) {
            this.queryPreAttnScalar = queryPreAttnScalar;
            this.attnLogitSoftcap = attnLogitSoftcap;
            this.finalLogitSoftcap = finalLogitSoftcap;
            return this;
        }

        public Builder dataType(DataType type) {
            this.dataType = type;
            return this;
        }

        public ModelConfig build() {
            return new ModelConfig(family, base.vocabSize, base.dModel, base.nLayers, base.nHeads, base.nKvHeads,
                    headDim, base.dFf, base.maxPositions, base.normEps, ropeTheta, tieWordEmbeddings, qkvBias,
                    base.outProjBias, ropeScaling, slidingWindow, queryPreAttnScalar, attnLogitSoftcap,
                    finalLogitSoftcap, dataType);
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("invalid model config: " + message);
        }
    }
}
