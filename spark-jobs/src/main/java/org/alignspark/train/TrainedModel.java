package org.alignspark.train;

import java.io.Serializable;
import java.util.Map;
import java.util.Optional;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.LoraConfig;
import org.alignspark.common.lm.MemorySettings;
import org.alignspark.common.lm.checkpoint.AdapterCheckpoint;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.rm.RewardModelFolder;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.ModelCache;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What a causal-LM trainer fits: every parameter of {@code base}, or LoRA adapters (Hu et al. 2021) over it. With
 * adapters each executor JVM loads the base once and shares it read-only among its task threads (ExecutorModels); a
 * worker holds only its adapters, their gradients and optimizer state and its activations; averaging moves the adapter
 * tensors alone; checkpoints are PEFT adapter folders naming {@code base} (with its tokenizer files).
 */
public final class TrainedModel implements Serializable {
    private final String base;
    private final LoraConfig lora;   // null: the whole model
    private final long seed;
    private final MemorySettings memory;

    public TrainedModel(String base, Optional<LoraConfig> lora, long seed) {
        this(base, lora, seed, MemorySettings.DEFAULT);
    }

    /** @param memory each model's logit chunks and gradient checkpointing (--logit-chunk-tokens, --gradient-checkpointing) */
    public TrainedModel(String base, Optional<LoraConfig> lora, long seed, MemorySettings memory) {
        this.base = base;
        this.lora = lora.orElse(null);
        this.seed = seed;
        this.memory = memory;
    }

    public boolean adapters() {
        return lora != null;
    }

    /**
     * The driver's model, whose parameters start the run: the base, or the base with fresh adapters (B = 0). With
     * adapters the base is the JVM's cached one (ExecutorModels), the very copy the tasks share in local mode, so one
     * process holds it once; the driver keeps no hold, so under the cache's budget pressure it may be evicted, after
     * which the tasks load their own.
     */
    public CausalLM initial() {
        if (lora == null) {
            return memory.applyTo(HfCheckpoint.load(ModelFolder.of(base), DataType.FLOAT));
        }
        try (ModelCache.Hold<CausalLM> shared = ExecutorModels.hold(base)) {
            return memory.applyTo(shared.value().withLora(lora, seed));
        }
    }

    /** A worker's model: a new model of the base's shape, or adapters (dropout on) over the JVM's shared base. */
    public ParameterAveraging.ModelFactory<LanguageModel> workers() {
        String folder = base;
        LoraConfig adapters = lora;
        long s = seed;
        MemorySettings settings = memory;
        if (adapters == null) {
            return () -> new LanguageModel(settings.applyTo(
                    new CausalLM(HfCheckpoint.readConfig(ModelFolder.of(folder), DataType.FLOAT))));
        }
        return () -> new LanguageModel(settings.applyTo(ExecutorModels.trainableAdapters(folder, adapters, s)));
    }

    /** Writes a checkpoint: the HF model folder, or the PEFT adapter folder; the base's tokenizer files with either. */
    public Checkpoints.ModelWriter writer(CausalLM scratch) {
        if (lora == null) {
            return Checkpoints.ModelWriter.causalLm(scratch, base);
        }
        String folder = base;
        return (parameters, fs, target) -> {
            parameters.copyInto(scratch.parameters().values());
            ModelFolder out = ModelFolder.of(target.toString());
            AdapterCheckpoint.save(scratch, out, folder, "CAUSAL_LM", Map.of());
            RewardModelFolder.copyTokenizer(ModelFolder.of(folder), out);
        };
    }

    @Override
    public String toString() {
        return lora == null ? "every parameter of " + base
                : "LoRA r=" + lora.r() + " alpha=" + lora.alpha() + " on " + lora.targetsFor(
                        HfCheckpoint.readConfig(ModelFolder.of(base), DataType.FLOAT).family()) + " of " + base;
    }
}
