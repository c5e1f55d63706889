package org.alignspark.executor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.checkpoint.AdapterCheckpoint;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.rm.RewardModel;
import org.alignspark.common.rm.RewardModelFolder;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.ChatTemplate;
import org.alignspark.common.tokenizer.Tokenizer;
import org.alignspark.common.tokenizer.Tokenizers;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Frozen models and their encoders, loaded once per JVM (an executor's, or the driver's), keyed by their folder
 * (docs/design.md decision 3). Each task gets a replica that shares the weights and owns its activation buffers; encoders
 * are immutable and shared as they are.
 */
public final class ExecutorModels {
    private static final Map<String, CausalLM> LANGUAGE_MODELS = new ConcurrentHashMap<>();
    private static final Map<String, RewardModel> REWARD_MODELS = new ConcurrentHashMap<>();
    private static final Map<String, ChatEncoder> ENCODERS = new ConcurrentHashMap<>();

    private ExecutorModels() {}

    /** The causal LM of an HF model folder (or base + adapter of a PEFT adapter folder), as a replica this task may run. */
    public static CausalLM replica(String location) {
        TaskThreads.apply();
        return LANGUAGE_MODELS.computeIfAbsent(location, HfCheckpoint::load).replica();
    }

    /** The reward model of a train-rm folder, as a replica over the shared LM and head. */
    public static RewardModel rewardModel(String location) {
        TaskThreads.apply();
        RewardModel shared = REWARD_MODELS.computeIfAbsent(location, l -> RewardModelFolder.load(l, DataType.FLOAT));
        return new RewardModel(shared.lm().replica(), shared.parameters().get(RewardModel.HEAD));
    }

    /** The tokenizer and chat template of a model folder. */
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
