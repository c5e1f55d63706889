package org.alignspark.train;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.alignspark.common.train.Optimizer;

/**
 * Each worker's inner optimizer state under {@code --averaging outer}, kept in its executor's JVM between rounds and
 * never sent anywhere (DiLoCo's inner optimizer state, Douillard et al. arXiv 2311.08105 Algorithm 1). An entry is
 * the worker's model copy together with the {@link Optimizer} bound to its arrays, so reusing it copies nothing.
 *
 * <p>Keyed by the run, the driver's session of it (a fresh id for every {@code fit}, so a resumed run never picks up
 * state of the run that crashed) and the worker's partition. A task takes its entry out for the round and puts it
 * back, tagged with the round it completed, only when the round succeeded; a task finds none (first round, a new or
 * lost executor, a task that moved, a resumed run) or finds one of another round (a retried task) and then starts a
 * fresh inner state, which the round's metrics count.
 */
final class InnerStates {
    /**
     * A worker's model and its inner optimizer after {@code completedRound}; {@code steps} the optimizer steps its state
     * has taken since it started (Adam's bias correction counts from there, not from the run's step).
     */
    record Entry<M>(M model, Optimizer optimizer, int completedRound, long steps) {}

    private static final Map<String, Entry<?>> STATES = new ConcurrentHashMap<>();

    private InnerStates() {}

    static String key(String run, String session, int partition) {
        return run + "|" + session + "#" + partition;
    }

    /**
     * Removes and returns the worker's state if it is the one left by {@code round - 1}, else null; drops, on the way,
     * what earlier sessions of the same run left in this JVM.
     */
    @SuppressWarnings("unchecked")
    static <M> Entry<M> take(String run, String session, int partition, int round) {
        String current = run + "|" + session + "#";
        STATES.keySet().removeIf(k -> k.startsWith(run + "|") && !k.startsWith(current));
        Entry<?> entry = STATES.remove(key(run, session, partition));
        return entry != null && entry.completedRound() == round - 1 ? (Entry<M>) entry : null;
    }

    static void put(String run, String session, int partition, Entry<?> entry) {
        STATES.put(key(run, session, partition), entry);
    }

    /** Drops every worker state of a session in this JVM (the driver's, when the session's fit ends). */
    static void forget(String run, String session) {
        STATES.keySet().removeIf(k -> k.startsWith(run + "|" + session + "#"));
    }
}
