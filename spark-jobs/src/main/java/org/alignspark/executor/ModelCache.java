package org.alignspark.executor;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loaded models under a byte budget, shared by the threads of one JVM. Each use takes a {@link Hold} (reference
 * counted); a model no hold refers to may be evicted, least recently used first (acquired or released), whenever a
 * load brings the cache over its budget. A held model is never evicted, so the cache may stay over budget while
 * running tasks hold more than it allows: the load that finds no room still succeeds, with a warning, as does a model
 * larger than the whole budget. Two threads asking for the same model wait for one load. Loads and evictions are
 * logged, one line each.
 * <p>
 * Room is made after a load, when its size is known: a load needs its own bytes on top of the cache for a moment.
 * An evicted model's arrays are released to the collector (ND4J's off-heap memory is freed when they are collected;
 * JavaCPP collects when allocations near its cap), not closed, since a caller outside a task may still read it.
 */
public final class ModelCache {
    private static final Logger LOG = LoggerFactory.getLogger(ModelCache.class);

    private final LongSupplier budget;
    private final Map<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);   // access order: eldest = LRU
    private long bytes;

    /** @param budget the most bytes the cache holds when nothing forces it over, read at every load */
    ModelCache(LongSupplier budget) {
        this.budget = budget;
    }

    /**
     * A hold on {@code key}'s model, loaded by {@code load} (measured by {@code size}) if the cache does not have it.
     * A failed load leaves nothing behind and throws to every thread that waited for it.
     */
    <T> Hold<T> hold(String key, Supplier<T> load, ToLongFunction<? super T> size) {
        Entry entry;
        boolean loader;
        synchronized (this) {
            entry = entries.get(key);
            loader = entry == null;
            if (loader) {
                entry = new Entry(key);
                entries.put(key, entry);
            }
            entry.holds++;
        }
        if (loader) {
            long started = System.nanoTime();
            T value;
            long modelBytes;
            try {
                value = load.get();
                modelBytes = size.applyAsLong(value);
            } catch (RuntimeException | Error e) {
                synchronized (this) {
                    entries.remove(key, entry);
                }
                entry.value.completeExceptionally(e);
                throw e;
            }
            synchronized (this) {
                entry.bytes = modelBytes;
                bytes += modelBytes;
                long limit = budget.getAsLong();
                LOG.info("model cache: loaded {} ({}) in {} ms; {} models, {} of {} budget", key, mib(modelBytes),
                        (System.nanoTime() - started) / 1_000_000, entries.size(), mib(bytes), mib(limit));
                makeRoom(limit, entry);
            }
            entry.value.complete(value);
            return new Hold<>(this, entry, value);
        }
        try {
            @SuppressWarnings("unchecked")
            T value = (T) entry.value.join();
            return new Hold<>(this, entry, value);
        } catch (CompletionException e) {
            release(entry);
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** Evicts unheld models, least recently used first, until the cache fits {@code limit}; warns if it cannot. */
    private void makeRoom(long limit, Entry loaded) {
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext() && bytes > limit; ) {
            Entry e = it.next();
            if (e.holds == 0 && e.value.isDone()) {
                it.remove();
                bytes -= e.bytes;
                LOG.info("model cache: evicted {} ({}), least recently used and held by no task; {} models, {} of {} budget",
                        e.key, mib(e.bytes), entries.size(), mib(bytes), mib(limit));
            }
        }
        if (loaded.bytes > limit) {
            LOG.warn("model cache: {} ({}) is larger than the whole budget ({}); loaded anyway, evicted when unheld and "
                    + "another model needs room (raise {})", loaded.key, mib(loaded.bytes), mib(limit), ExecutorModels.BUDGET_KEY);
        } else if (bytes > limit) {
            LOG.warn("model cache: {} over its {} budget; running tasks hold {} of its {} models ({}), which stay until "
                    + "they finish (raise {})", mib(bytes - limit), mib(limit), heldCount(), entries.size(), mib(heldBytes()),
                    ExecutorModels.BUDGET_KEY);
        }
    }

    private synchronized void release(Entry entry) {
        entry.holds--;
        entries.get(entry.key);   // a use: the model was needed until now
    }

    private long heldCount() {
        return entries.values().stream().filter(e -> e.holds > 0).count();
    }

    private long heldBytes() {
        return entries.values().stream().filter(e -> e.holds > 0).mapToLong(e -> e.bytes).sum();
    }

    /** The cached keys, least recently used first. */
    synchronized List<String> keys() {
        return new ArrayList<>(entries.keySet());
    }

    /** Bytes of the loaded models the cache holds. */
    synchronized long bytes() {
        return bytes;
    }

    /** Holds on {@code key}'s model now (0 when it is not cached). */
    synchronized int holds(String key) {
        return entries.values().stream().filter(e -> e.key.equals(key)).mapToInt(e -> e.holds).sum();   // get() would count as a use
    }

    private static String mib(long bytes) {
        return bytes < (1 << 20) ? bytes + " bytes" : String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    private static final class Entry {
        final String key;
        final CompletableFuture<Object> value = new CompletableFuture<>();
        int holds;
        long bytes;

        Entry(String key) {
            this.key = key;
        }
    }

    /** One use of a cached model: it stays cached until every hold on it is closed. Closing twice is closing once. */
    public static final class Hold<T> implements AutoCloseable {
        private final ModelCache cache;
        private final Entry entry;
        private final T value;
        private final AtomicBoolean open = new AtomicBoolean(true);

        private Hold(ModelCache cache, Entry entry, T value) {
            this.cache = cache;
            this.entry = entry;
            this.value = value;
        }

        /** The shared model: read-only; give each thread its own replica. */
        public T value() {
            return value;
        }

        @Override
        public void close() {
            if (open.compareAndSet(true, false)) {
                cache.release(entry);
            }
        }
    }
}
