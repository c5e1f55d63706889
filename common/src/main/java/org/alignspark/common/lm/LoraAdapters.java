package org.alignspark.common.lm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The LoRA adapters of one model over a frozen base: their parameters (with gradient buffers), the modules they
 * adapt, and whether dropout is on (training). Adapter tensors are named {@code <module path>.lora_A.weight} [r, in]
 * and {@code <module path>.lora_B.weight} [out, r] under PEFT's prefix {@code base_model.model.}, as PEFT saves them
 * (so a trainer's checkpoint of these parameters is an adapter file as it is): the module path is the Hugging Face
 * model's ({@code model.layers.0.self_attn.q_proj}; GPT2LMHeadModel's {@code transformer.h.0.attn.c_attn}, the engine's
 * {@code h.0.attn.c_attn} behind the family's checkpoint prefix).
 */
final class LoraAdapters {
    /** What PEFT's {@code get_peft_model_state_dict} puts before a module path (the adapter name "default" stripped). */
    static final String PEFT_PREFIX = "base_model.model.";

    private final LoraConfig config;
    private final String namePrefix;
    private final List<String> targets;
    private final Parameters params;
    private final boolean shared;
    private final SplittableRandom init;
    private final Map<String, LoraAdapter> modules = new LinkedHashMap<>();
    private final Set<String> matchedTargets = new LinkedHashSet<>();
    private final SplittableRandom dropoutSeeds;  // one seed per block and forward
    private SplittableRandom dropoutRandom;       // the running block's masks
    private boolean training;

    LoraAdapters(LoraConfig config, ModelConfig model, long seed) {
        this(config, config.targetsFor(model.family()), PEFT_PREFIX + model.family().names().checkpointPrefix(),
                new Parameters(model.dataType()), false, seed);
    }

    private LoraAdapters(LoraConfig config, List<String> targets, String namePrefix, Parameters params, boolean shared,
                         long seed) {
        this.config = config;
        this.namePrefix = namePrefix;
        this.targets = targets;
        this.params = params;
        this.shared = shared;
        this.init = new SplittableRandom(seed);
        this.dropoutSeeds = new SplittableRandom(seed ^ 0x5DEECE66DL);
        this.dropoutRandom = dropoutSeeds.split();
    }

    /** The same adapter arrays for a replica (inference: dropout off). */
    LoraAdapters shared() {
        return new LoraAdapters(config, targets, namePrefix, params.shared(), true, 0);
    }

    LoraConfig config() {
        return config;
    }

    Parameters parameters() {
        return params;
    }

    /** Adapted module path → its adapter, in model order. */
    Map<String, LoraAdapter> modules() {
        return modules;
    }

    void train(boolean on) {
        training = on;
    }

    boolean dropping() {
        return training && config.dropout() > 0;
    }

    SplittableRandom dropoutRandom() {
        return dropoutRandom;
    }

    /** The next block's dropout seed (CausalLM draws one per block and forward). */
    long nextDropoutSeed() {
        return dropoutSeeds.nextLong();
    }

    /** Draws the following masks from {@code seed}: a block's forward, or its recomputation in a checkpointed backward. */
    void seedDropout(long seed) {
        dropoutRandom = new SplittableRandom(seed);
    }

    /**
     * Attaches an adapter to {@code linear} when its module is a target. A is drawn Kaiming-uniform with a = √5, as
     * PEFT's {@code reset_lora_parameters} draws it ({@code nn.init.kaiming_uniform_(lora_A.weight, a=math.sqrt(5))},
     * the bound gain·√(3 / fan_in) with gain √(2 / (1 + a²)) being 1/√in); B is zero, so the model starts as its
     * base (Hu et al. 2021 §4.1).
     */
    void attach(Linear linear, String module, int in, int out) {
        if (!LoraConfig.matches(targets, module)) {
            return;
        }
        for (String t : targets) {
            if (module.equals(t) || module.endsWith("." + t)) {
                matchedTargets.add(t);
            }
        }
        String name = namePrefix + module;
        INDArray a = params.add(name + ".lora_A.weight", config.r(), in);       // [r, in]
        INDArray b = params.add(name + ".lora_B.weight", out, config.r());      // [out, r], zero
        if (!shared) {
            double bound = 1.0 / Math.sqrt(in);
            double[] values = new double[config.r() * in];
            for (int i = 0; i < values.length; i++) {
                values[i] = bound * (2 * init.nextDouble() - 1);
            }
            a.assign(Nd4j.create(values, new long[] {config.r(), in}, a.dataType()));
        }
        LoraAdapter adapter = new LoraAdapter(this, a, b, params.gradient(name + ".lora_A.weight"),
                params.gradient(name + ".lora_B.weight"));
        modules.put(module, adapter);
        linear.attach(adapter);
    }

    /** Fails, as PEFT does, when a named target matched no module of the model. */
    void checkTargetsFound(ModelFamily family) {
        List<String> missing = new ArrayList<>(targets);
        missing.removeAll(matchedTargets);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("LoRA target modules " + missing + " not found in the " + family
                    .displayName() + " model (its projections: " + family.projectionModules() + ")");
        }
    }
}
