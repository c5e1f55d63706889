package org.alignspark.executor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.LoraConfig;
import org.alignspark.common.lm.checkpoint.AdapterCheckpoint;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.rm.RewardModel;
import org.alignspark.common.rm.RewardModelFolder;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.ChatTemplate;
import org.alignspark.common.tokenizer.Tokenizer;
import org.alignspark.common.tokenizer.Tokenizers;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.util.TaskCompletionListener;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Frozen models and their encoders, loaded once per JVM (an executor's, or the driver's), keyed by their folder
 * (docs/design.md decision 3). Each task gets a replica that shares the weights and owns its activation buffers; encoders
 * are immutable and shared as they are.
 * <p>
 * The models live in a {@link ModelCache} under a byte budget ({@value #BUDGET_KEY}: a Spark setting, or a system
 * property of the same name, as a size such as {@code 6g}; default half of ND4J's off-heap cap, JavaCPP's
 * {@code maxbytes}, which defaults to the maximum heap). Called inside a Spark task, every accessor holds its model until
 * the task completes, so a running task's model is never evicted; called outside a task (driver code, a single-JVM
 * baseline), it holds nothing and {@link #hold} gives the caller a hold of its own to close.
 */
public final class ExecutorModels {
    /** The Spark setting (or system property) of the cache's budget in bytes, e.g. {@code 6g}. */
    public static final String BUDGET_KEY = "spark.alignspark.modelCache.maxBytes";
    /** The default budget's share of ND4J's off-heap cap: the rest is for the tasks' activations. */
    static final double DEFAULT_BUDGET_FRACTION = 0.5;

    private static final ModelCache MODELS = new ModelCache(ExecutorModels::budget);
    private static final Map<String, ChatEncoder> ENCODERS = new ConcurrentHashMap<>();

    private ExecutorModels() {}

    /** The causal LM of an HF model folder (or base + adapter of a PEFT adapter folder), as a replica this task may run. */
    public static CausalLM replica(String location) {
        TaskThreads.apply();
        return forTask(languageModel(location)).replica();
    }

    /**
     * A training worker's model: fresh LoRA adapters (Hu et al. 2021; A drawn from {@code seed}, B zero) over this JVM's
     * shared frozen base at {@code location}, in training mode (dropout on the adapters' inputs).
     */
    public static CausalLM trainableAdapters(String location, LoraConfig lora, long seed) {
        CausalLM lm = replica(location).withLora(lora, seed);
        lm.train(true);
        return lm;
    }

    /**
     * The reward model of a train-rm folder (or of its PEFT SEQ_CLS adapter folder: base, adapters and head), as a
     * replica over the shared LM and head.
     */
    public static RewardModel rewardModel(String location) {
        TaskThreads.apply();
        RewardModel shared = forTask(MODELS.hold("reward model " + location,
                () -> RewardModelFolder.load(location, DataType.FLOAT), ExecutorModels::bytes));
        return new RewardModel(shared.lm().replica(), shared.head());
    }

    /**
     * A hold on the causal LM of {@code location} for code outside a Spark task: the model stays cached until it is
     * closed. {@code hold.value().replica()} gives each thread its own activations.
     */
    public static ModelCache.Hold<CausalLM> hold(String location) {
        return languageModel(location);
    }

    private static ModelCache.Hold<CausalLM> languageModel(String location) {
        // frozen: tasks run replicas for inference, or train adapters (their own) over it; none differentiates its weights
        return MODELS.hold("language model " + location, () -> HfCheckpoint.load(location, true),
                lm -> !lm.hasAdapters() ? bytes(lm.parameters().values())
                        : bytes(lm.baseParameters().values(), lm.parameters().values(), lm.parameters().gradients()));
    }

    /** The tokenizer and chat template of a model folder (a few MB each; not counted against the budget). */
    public static ChatEncoder encoder(String location) {
        return ENCODERS.computeIfAbsent(location, l -> {
            ModelFolder folder = ModelFolder.of(AdapterCheckpoint.tokenizerLocation(l));   // an adapter's own, or its base's
            Tokenizer tokenizer = Tokenizers.load(folder);
            return new ChatEncoder(tokenizer, ChatTemplate.load(folder, tokenizer));
        });
    }

    /** A model folder's replica and encoder together: what a task that runs a causal LM opens with. */
    public static TaskModel taskModel(String location) {
        return new TaskModel(replica(location), encoder(location));
    }

    /** The model cache of this JVM (tests read its keys, holds and bytes). */
    static ModelCache cache() {
        return MODELS;
    }

    /** Ties {@code hold} to the running task, released when it completes; outside a task, released at once. */
    private static <T> T forTask(ModelCache.Hold<T> hold) {
        TaskContext task = TaskContext.get();
        if (task == null) {
            hold.close();
        } else {
            task.addTaskCompletionListener((TaskCompletionListener) context -> hold.close());
        }
        return hold.value();
    }

    /** The budget in bytes: {@value #BUDGET_KEY} from Spark's settings or the system properties, else the default. */
    static long budget() {
        SparkEnv env = SparkEnv.get();
        String setting = env == null ? null : env.conf().get(BUDGET_KEY, null);
        if (setting == null) {
            setting = System.getProperty(BUDGET_KEY);
        }
        if (setting == null) {
            long cap = Pointer.maxBytes() > 0 ? Pointer.maxBytes() : Runtime.getRuntime().maxMemory();
            return (long) (cap * DEFAULT_BUDGET_FRACTION);
        }
        try {
            long budget = JavaUtils.byteStringAsBytes(setting.trim());
            if (budget <= 0) {
                throw new NumberFormatException();
            }
            return budget;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(BUDGET_KEY + " must be a positive size such as 6g or 512m, not '" + setting + "'");
        }
    }

    /** The LM's arrays (a LoRA model's frozen base and its adapters) and the head with its gradient. */
    private static long bytes(RewardModel model) {
        INDArray head = model.head();
        CausalLM lm = model.lm();
        long adapters = lm.hasAdapters() ? bytes(lm.parameters().values(), lm.parameters().gradients()) : 0;
        return bytes(lm.baseParameters().values(), lm.baseParameters().gradients()) + adapters
                + 2 * head.length() * head.dataType().width();
    }

    /** The bytes of a model's arrays: values and the gradient buffers a loaded model carries. */
    @SafeVarargs
    private static long bytes(Map<String, INDArray>... arrays) {
        long total = 0;
        for (Map<String, INDArray> map : arrays) {
            for (INDArray a : map.values()) {
                total += a.length() * a.dataType().width();
            }
        }
        return total;
    }

    /** A causal LM as one task holds it. */
    public record TaskModel(CausalLM lm, ChatEncoder encoder) {
        public Tokenizer tokenizer() {
            return encoder.tokenizer();
        }

        public int padId() {
            return encoder.tokenizer().padId();
        }
    }
}
