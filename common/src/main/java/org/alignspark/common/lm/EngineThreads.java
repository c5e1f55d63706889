package org.alignspark.common.lm;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.function.IntConsumer;
import java.util.logging.Logger;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The engine's threads, set once per JVM: the matrix products (OpenBLAS's own thread count) apart from the
 * element-wise work (ND4J's OpenMP operations, which lose time with a second thread on arrays of a transformer
 * layer's size, and the engine's chains of element-wise operations split by rows over a pool of its own,
 * {@link RowChunks}).
 *
 * <p>Measured on the 2-core development machine (BENCHMARKS.md, "Engine threads"): the products scale with
 * threads, ND4J's element-wise operations do not, so the default gives the products every engine thread, keeps
 * ND4J's operations on one, and runs the row chunks on every engine thread.
 *
 * <p>Settings, first found wins: system property {@code alignspark.engine.threads} / environment
 * {@code ALIGNSPARK_ENGINE_THREADS} (the products and the row chunks), then {@code OMP_NUM_THREADS}, then the
 * JVM's available processors; {@code alignspark.engine.op-threads} / {@code ALIGNSPARK_ENGINE_OP_THREADS} for
 * ND4J's element-wise operations (default 1). On Spark, one worker per executor using all its cores is
 * {@code spark.task.cpus = spark.executor.cores = C}: a task's engine takes the task's CPUs ({@link #forWorker});
 * several workers per executor keep the engine at one thread each (README, "Engine threads").
 */
public final class EngineThreads {
    private static final Logger LOG = Logger.getLogger(EngineThreads.class.getName());
    private static volatile Settings settings;
    private static ForkJoinPool pool;

    private EngineThreads() {
    }

    /** What the engine runs with, and the BLAS library it found. */
    public record Settings(int threads, int opThreads, String blasVendor, String blasVersion, String blasCore,
            int blasThreads, int ompThreads) {
        /** One line in the manner of numpy's threadpoolctl: library, version, core type, thread counts. */
        public String describe() {
            return String.format(Locale.ROOT, "engine threads=%d (matrix products: %s %s, core %s, %d threads; "
                    + "element-wise: ND4J OpenMP %d thread(s), row chunks %d thread(s))",
                    threads, blasVendor, blasVersion, blasCore, blasThreads, ompThreads, threads);
        }
    }

    /** The settings in force, configuring the engine from the environment on first use (logged once). */
    public static Settings ensureConfigured() {
        Settings s = settings;
        if (s == null) {
            synchronized (EngineThreads.class) {
                if (settings == null) {
                    settings = apply(threadsFrom(System.getProperties(), System.getenv()),
                            opThreadsFrom(System.getProperties(), System.getenv()));
                    LOG.info(settings.describe());
                }
                s = settings;
            }
        }
        return s;
    }

    /** Sets the engine's threads explicitly (a benchmark, or a worker told how many cores it owns). */
    public static synchronized Settings configure(int threads, int opThreads) {
        settings = apply(threads, opThreads);
        LOG.info(settings.describe());
        return settings;
    }

    /**
     * The settings for a worker that owns {@code cores} cores (a Spark task's {@code spark.task.cpus}): the engine
     * runs on that many threads unless {@code alignspark.engine.threads} / {@code ALIGNSPARK_ENGINE_THREADS} say
     * otherwise. One worker per executor with all its cores is {@code spark.task.cpus = spark.executor.cores}.
     */
    public static Settings forWorker(int cores) {
        Settings s = ensureConfigured();
        if (explicitThreads(System.getProperties(), System.getenv()) || s.threads() == cores) {
            return s;
        }
        return configure(cores, s.opThreads());
    }

    private static boolean explicitThreads(java.util.Properties properties, Map<String, String> env) {
        return first(properties.getProperty("alignspark.engine.threads"), env.get("ALIGNSPARK_ENGINE_THREADS")) != null;
    }

    /** The thread count a JVM with these properties and environment gets. */
    static int threadsFrom(java.util.Properties properties, Map<String, String> env) {
        String value = first(properties.getProperty("alignspark.engine.threads"), env.get("ALIGNSPARK_ENGINE_THREADS"),
                env.get("OMP_NUM_THREADS"));
        return value == null ? Runtime.getRuntime().availableProcessors() : positive(value, "engine threads");
    }

    /** ND4J's element-wise thread count for these properties and environment. */
    static int opThreadsFrom(java.util.Properties properties, Map<String, String> env) {
        String value = first(properties.getProperty("alignspark.engine.op-threads"),
                env.get("ALIGNSPARK_ENGINE_OP_THREADS"));
        return value == null ? 1 : positive(value, "engine op threads");
    }

    /**
     * Runs {@code body} for every chunk index in [0, chunks), split over the engine's threads; the calling thread
     * takes part. Several models in one JVM (Spark's task threads) share the pool.
     */
    static void parallelFor(int chunks, IntConsumer body) {
        // one thread, one chunk, or already inside the pool (no nested split): in the calling thread
        if (ensureConfigured().threads() == 1 || chunks == 1 || ForkJoinTask.inForkJoinPool()) {
            for (int c = 0; c < chunks; c++) {
                body.accept(c);
            }
            return;
        }
        pool().submit(() -> java.util.stream.IntStream.range(0, chunks).parallel().forEach(body)).join();
    }

    private static synchronized ForkJoinPool pool() {
        int threads = settings.threads();
        if (pool == null || pool.getParallelism() != threads) {
            pool = new ForkJoinPool(threads, p -> {
                var thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
                thread.setName("alignspark-engine-" + thread.getPoolIndex());
                thread.setDaemon(true);
                return thread;
            }, null, false);
        }
        return pool;
    }

    private static Settings apply(int threads, int opThreads) {
        if (threads < 1 || opThreads < 1) {
            throw new IllegalArgumentException("engine threads must be ≥ 1, got " + threads + " and " + opThreads);
        }
        Nd4j.getEnvironment().setMaxThreads(opThreads);
        Nd4j.getEnvironment().setMaxMasterThreads(opThreads);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(opThreads);
        Nd4j.factory().blas().setMaxThreads(threads);
        String version = openBlasVersion();
        return new Settings(threads, opThreads, String.valueOf(Nd4j.factory().blas().getBlasVendor()), version,
                coreName(), Nd4j.factory().blas().getMaxThreads(),
                NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads());
    }

    /**
     * The kernel set OpenBLAS chose on this CPU ("ZEN", "COOPERLAKE", ...): JavaCPP binds no
     * {@code openblas_get_corename}, so the name is found by comparing OpenBLAS's dispatch pointer
     * {@code gotoblas} with the address of each core's table {@code gotoblas_<CORE>} (a DYNAMIC_ARCH build).
     */
    private static String coreName() {
        try {
            Pointer dispatch = Loader.addressof("gotoblas");
            if (dispatch == null) {
                return "unknown";
            }
            long chosen = new PointerPointer<>(dispatch).get(0).address();
            for (String core : CORES) {
                Pointer table = Loader.addressof("gotoblas_" + core);
                if (table != null && table.address() == chosen) {
                    return core;
                }
            }
            return "unknown";
        } catch (RuntimeException | LinkageError e) {
            return "unknown (" + e.getClass().getSimpleName() + ")";
        }
    }

    private static String openBlasVersion() {
        try {
            return org.bytedeco.openblas.global.openblas_nolapack.OPENBLAS_VERSION.replace("OpenBLAS", "").trim();
        } catch (LinkageError e) {
            return "unknown";
        }
    }

    private static final String[] CORES = {"SAPPHIRERAPIDS", "COOPERLAKE", "SKYLAKEX", "ZEN", "HASWELL", "EXCAVATOR",
        "STEAMROLLER", "PILEDRIVER", "BULLDOZER", "SANDYBRIDGE", "NEHALEM", "BARCELONA", "CORE2", "PRESCOTT",
        "ATOM", "NANO", "PENRYN", "DUNNINGTON", "OPTERON", "OPTERON_SSE3", "ATHLON", "KATMAI", "COPPERMINE",
        "NORTHWOOD", "BANIAS"};

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }

    private static int positive(String value, String what) {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(what + " must be a positive integer, got '" + value + "'");
    }
}
