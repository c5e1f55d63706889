package org.alignspark.train;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;
import org.alignspark.executor.TaskThreads;

/**
 * Model instances kept per executor JVM and run, so a model's buffers are allocated once, not every round
 * (docs/design.md decision 3). A task borrows an instance for its round and gives it back; concurrent tasks get their own.
 */
final class ModelPool {
    private static final Map<String, Queue<Object>> POOLS = new ConcurrentHashMap<>();

    private ModelPool() {}

    @SuppressWarnings("unchecked")
    static <M> M borrow(String key, Supplier<M> factory) {
        TaskThreads.apply();
        Object model = POOLS.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).poll();
        return model != null ? (M) model : factory.get();
    }

    static void giveBack(String key, Object model) {
        POOLS.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).add(model);
    }
}
