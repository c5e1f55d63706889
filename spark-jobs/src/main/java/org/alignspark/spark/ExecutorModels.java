package org.alignspark.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;

/**
 * Frozen models loaded once per executor JVM, keyed by their folder (docs/design.md decision 3); each task gets a replica
 * that shares the weights and owns its activation buffers.
 */
public final class ExecutorModels {
    private static final Map<String, CausalLM> LOADED = new ConcurrentHashMap<>();

    private ExecutorModels() {}

    public static CausalLM replica(String location) {
        return LOADED.computeIfAbsent(location, HfCheckpoint::load).replica();
    }
}
