package org.alignspark.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The byte budget, the holds and the eviction order of the executor's model cache, on stand-in models of known size. */
class ModelCacheTest {
    /** A stand-in model: its name and size in bytes. */
    private record Model(String name, long bytes) {}

    private final List<String> loads = new ArrayList<>();
    private final Logs logs = new Logs();

    @BeforeEach
    void captureLogs() {
        logs.attach();
    }

    @AfterEach
    void releaseLogs() {
        logs.detach();
    }

    private ModelCache.Hold<Model> hold(ModelCache cache, String name, long bytes) {
        return cache.hold(name, () -> {
            synchronized (loads) {
                loads.add(name);
            }
            return new Model(name, bytes);
        }, Model::bytes);
    }

    private void use(ModelCache cache, String name, long bytes) {
        hold(cache, name, bytes).close();
    }

    @Test
    void evictsTheLeastRecentlyUsedModelFirst() {
        ModelCache cache = new ModelCache(() -> 100);
        use(cache, "a", 40);
        use(cache, "b", 40);
        use(cache, "a", 40);                       // a is used again: b is now the least recently used
        use(cache, "c", 40);                       // 120 > 100: one must go
        assertEquals(List.of("a", "c"), cache.keys());
        assertEquals(80, cache.bytes());
        assertEquals(List.of("a", "b", "c"), loads, "a's second use is a cache hit");
        assertTrue(logs.contains("INFO model cache: evicted b (40 bytes), least recently used and held by no task; 2 models, 80 bytes of 100 bytes budget"), logs.lines.toString());
        assertTrue(logs.contains("INFO model cache: loaded c"), logs.lines.toString());
    }

    @Test
    void releasingAHoldCountsAsAUse() {
        ModelCache cache = new ModelCache(() -> 100);
        ModelCache.Hold<Model> a = hold(cache, "a", 40);
        use(cache, "b", 40);
        a.close();                                 // a was in use until now, after b's last use
        use(cache, "c", 40);
        assertEquals(List.of("a", "c"), cache.keys());
    }

    @Test
    void neverEvictsAHeldModel() {
        ModelCache cache = new ModelCache(() -> 100);
        try (ModelCache.Hold<Model> a = hold(cache, "a", 60); ModelCache.Hold<Model> alsoA = hold(cache, "a", 60)) {
            alsoA.close();                         // one of two holds released: a is still held
            use(cache, "b", 60);                   // over budget, a held: both stay, with a warning
            assertEquals(List.of("a", "b"), cache.keys());
            assertEquals(120, cache.bytes());
            assertTrue(logs.contains("WARN model cache: 20 bytes over its 100 bytes budget; running tasks hold 2 of its 2 models (120 bytes)"),
                    logs.lines.toString());
            use(cache, "c", 30);                   // b is unheld and least recently used: it goes, a stays
            assertEquals(List.of("a", "c"), cache.keys());
            assertEquals(1, cache.holds("a"));
        }
        assertEquals(0, cache.holds("a"));
        use(cache, "d", 50);                       // a released: now it may go, after c (a's release was a use)
        assertEquals(List.of("d"), cache.keys());
    }

    @Test
    void loadsAModelLargerThanTheWholeBudgetWithAWarning() {
        ModelCache cache = new ModelCache(() -> 50);
        try (ModelCache.Hold<Model> big = hold(cache, "big", 80)) {
            assertEquals(new Model("big", 80), big.value());
            assertEquals(List.of("big"), cache.keys());
            assertTrue(logs.contains("WARN model cache: big (80 bytes) is larger than the whole budget (50 bytes); loaded anyway"), logs.lines.toString());
        }
        use(cache, "small", 10);
        assertEquals(List.of("small"), cache.keys());
    }

    @Test
    void theBudgetIsReadAtEveryLoad() {
        long[] budget = {1000};
        ModelCache cache = new ModelCache(() -> budget[0]);
        use(cache, "a", 40);
        use(cache, "b", 40);
        budget[0] = 50;
        use(cache, "c", 10);
        assertEquals(List.of("b", "c"), cache.keys());
    }

    @Test
    void threadsAskingForTheSameModelShareOneLoad() throws Exception {
        ModelCache cache = new ModelCache(() -> 100);
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch waiterAsked = new CountDownLatch(1);
        AtomicInteger loadCount = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<ModelCache.Hold<Model>> first = threads.submit(() -> cache.hold("a", () -> {
                loadCount.incrementAndGet();
                loading.countDown();
                await(waiterAsked);
                return new Model("a", 10);
            }, Model::bytes));
            await(loading);
            Future<ModelCache.Hold<Model>> second = threads.submit(() -> {
                waiterAsked.countDown();
                return cache.hold("a", () -> {
                    loadCount.incrementAndGet();
                    return new Model("a", 10);
                }, Model::bytes);
            });
            ModelCache.Hold<Model> h1 = first.get(10, TimeUnit.SECONDS);
            ModelCache.Hold<Model> h2 = second.get(10, TimeUnit.SECONDS);
            assertSame(h1.value(), h2.value());
            assertEquals(1, loadCount.get());
            assertEquals(2, cache.holds("a"));
            assertEquals(10, cache.bytes());
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aFailedLoadLeavesNothingCached() {
        ModelCache cache = new ModelCache(() -> 100);
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> cache.hold("broken", () -> { throw new IllegalStateException("no config.json"); }, (Model m) -> 1L));
        assertEquals("no config.json", error.getMessage());
        assertEquals(List.of(), cache.keys());
        assertEquals(0, cache.bytes());
        use(cache, "broken", 10);                  // a later try loads again
        assertEquals(List.of("broken"), cache.keys());
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The cache's log lines, as "LEVEL message". */
    private static final class Logs extends AbstractAppender {
        final List<String> lines = new ArrayList<>();
        private final Logger logger = (Logger) LogManager.getLogger(ModelCache.class);
        private Level level;

        Logs() {
            super("model-cache-test", null, null, true, Property.EMPTY_ARRAY);
        }

        void attach() {
            start();
            level = logger.getLevel();
            logger.setLevel(Level.INFO);
            logger.addAppender(this);
        }

        void detach() {
            logger.removeAppender(this);
            logger.setLevel(level);
            stop();
        }

        @Override
        public synchronized void append(LogEvent event) {
            lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
        }

        synchronized boolean contains(String prefix) {
            return lines.stream().anyMatch(l -> l.startsWith(prefix));
        }
    }
}
