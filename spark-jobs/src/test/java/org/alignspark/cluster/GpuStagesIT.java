package org.alignspark.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.alignspark.Main;
import org.alignspark.train.ParameterAveraging;
import org.alignspark.testing.TestSpark;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --executor-gpus}: stage-level scheduling on a standalone cluster whose two Workers each advertise one fake GPU
 * through a discovery script (worker 1 address 0, worker 2 address 1; the CPU backend does the arithmetic). The
 * training stage must ask for the profile the job asked for (executor gpu 1, task gpu 1), each of its tasks must bind
 * the GPU address Spark gave its executor (a GPU executor's address in the event log; Spark may run a round's two tasks
 * one after the other on one executor, never two at once on one address), and every other stage (ingest, reading and
 * dealing the pairs) must run in the default profile. The
 * run's metrics must be those of the same training in local mode. Runs in failsafe after the shaded jar is built:
 * {@code mvn -B -pl spark-jobs -am verify -Dit.test=GpuStagesIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class GpuStagesIT {
    private static final String DT = "2026-12-04";
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration CLUSTER_TIMEOUT = Duration.ofMinutes(2);
    private static final Pattern WORKERS_ON = Pattern.compile("round (\\d+): workers on \\{0=executor (\\S+) gpu (\\S+), 1=executor (\\S+) gpu (\\S+)}");
    /** Executors per profile come from dynamic allocation; shuffle tracking stands in for a shuffle service. */
    private static final Map<String, String> DYNAMIC_ALLOCATION = Map.of("spark.dynamicAllocation.enabled", "true",
            "spark.dynamicAllocation.shuffleTracking.enabled", "true", "spark.executor.cores", "1",
            "spark.executor.memory", "640m");

    private StandaloneCluster cluster;
    private Path work;
    private SparkSession local;

    @RegisterExtension
    final TestExecutionExceptionHandler printLogsOnFailure = (context, failure) -> {
        if (cluster != null) {
            cluster.printLogs(System.err, 60);
        }
        throw failure;
    };

    @BeforeAll
    void startAClusterOfWorkersWithOneFakeGpuEach() throws IOException {
        Path build = Path.of(System.getProperty("alignspark.buildDirectory", "target")).toAbsolutePath();
        Path root = Path.of(System.getProperty("alignspark.root", "..")).toAbsolutePath().normalize();
        cluster = StandaloneCluster.start(build.resolve("gpu-it"), root, build, 0, CLUSTER_TIMEOUT);
        work = Files.createDirectories(cluster.dir().resolve("data"));
        for (int worker = 0; worker < 2; worker++) {
            Path script = cluster.dir().resolve("gpus-" + worker + ".sh");
            Files.writeString(script, "#!/bin/sh\necho '{\"name\": \"gpu\", \"addresses\": [\"" + worker + "\"]}'\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            cluster.startWorker(2, "2g", Map.of("spark.worker.resource.gpu.amount", "1",
                    "spark.worker.resource.gpu.discoveryScript", script.toString()));
        }
        cluster.awaitAliveWorkers(2, CLUSTER_TIMEOUT);
        local = TestSpark.session();
        assertEquals(0, Main.run(ingestArgs(work.resolve("warehouse-local"))));
        assertEquals(0, Main.run("init-model", "--output", work.resolve("base-model").toString(), "--d-model", "16", "--layers", "1",
                "--heads", "2", "--max-positions", "256", "--seed", "5"));
        assertEquals(0, Main.run(trainArgs(work.resolve("warehouse-local"), work.resolve("rm-local"))));
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void trainingStagesRunOnGpuExecutorsWithDistinctAddressesAndTheOtherStagesWithout() throws IOException {
        Path warehouse = work.resolve("warehouse-cluster");
        StandaloneCluster.Node ingest = cluster.submit("ingest", DYNAMIC_ALLOCATION, ingestArgs(warehouse));
        assertEquals(0, exitCode(ingest), ingest.logText());
        List<JsonNode> ingestEvents = cluster.eventLog("ingest");
        assertEquals(Set.of(0), profilesOf(ingestEvents, "SparkListenerResourceProfileAdded"), "ingest asked for a profile");
        assertEquals(Set.of(0), stageProfiles(ingestEvents).keySet());

        List<String> args = new ArrayList<>(List.of(trainArgs(warehouse, work.resolve("rm-cluster"))));
        args.addAll(List.of("--executor-gpus", "1", "--task-gpus", "1"));
        StandaloneCluster.Node train = cluster.submit("train-rm-gpu", DYNAMIC_ALLOCATION, args.toArray(String[]::new));
        assertEquals(0, exitCode(train), train.logText());
        List<JsonNode> events = cluster.eventLog("train-rm-gpu");

        // The profile is the one asked for: one gpu per executor, one per task.
        JsonNode profile = events.stream().filter(e -> e.path("Event").asText().equals("SparkListenerResourceProfileAdded")
                && e.path("Resource Profile Id").asInt() != 0).findFirst().orElseThrow(() -> new AssertionError("no GPU profile"));
        int gpuProfile = profile.path("Resource Profile Id").asInt();
        // one profile for all rounds: a profile per round would wait for executors of its own
        assertEquals(Set.of(0, gpuProfile), profilesOf(events, "SparkListenerResourceProfileAdded"));
        assertEquals(1, profile.path("Executor Resource Requests").path("gpu").path("Amount").asInt(), profile.toString());
        assertEquals(1.0, profile.path("Task Resource Requests").path("gpu").path("Amount").asDouble(), profile.toString());

        // Every training round is one stage in the GPU profile; reading, encoding and dealing the pairs are not.
        Map<Integer, Integer> stages = stageProfiles(events);
        int rounds = metrics(work.resolve("warehouse-local")).size();
        assertEquals(Set.of(0, gpuProfile), stages.keySet(), stages.toString());
        assertEquals(rounds, stages.get(gpuProfile), stages.toString());
        assertTrue(stages.get(0) > 0, stages.toString());

        // The GPU profile's executors hold a GPU each; the default profile's hold none.
        Map<String, String> executorGpu = new TreeMap<>();
        for (JsonNode added : events.stream().filter(e -> e.path("Event").asText().equals("SparkListenerExecutorAdded")).toList()) {
            JsonNode info = added.path("Executor Info");
            boolean gpu = info.path("Resource Profile Id").asInt() == gpuProfile;
            assertEquals(gpu, info.path("Resources").has("gpu"), info.toString());
            if (gpu) {
                JsonNode addresses = info.path("Resources").path("gpu").path("addresses");
                assertEquals(1, addresses.size(), info.toString());
                executorGpu.put(added.path("Executor ID").asText(), addresses.get(0).asText());
            }
        }
        assertFalse(executorGpu.isEmpty(), "no GPU executor");
        assertTrue(Set.of("0", "1").containsAll(executorGpu.values()), "GPU executors' addresses: " + executorGpu);

        // Each worker bound ND4J to the address Spark gave its executor. A round's two workers may share one executor
        // (dynamic allocation had not started the second yet, or locality kept both tasks by their cached block): Spark
        // then runs them one after the other on that executor's GPU, never two at once on one address.
        Matcher rows = WORKERS_ON.matcher(train.logText());
        int seen = 0;
        while (rows.find()) {
            seen++;
            for (int worker : new int[]{2, 4}) {
                String executor = rows.group(worker);
                assertEquals(executorGpu.get(executor), rows.group(worker + 1), "round " + rows.group(1) + ", executor " + executor
                        + ": the worker's GPU is not the one Spark assigned its executor " + executorGpu);
            }
        }
        assertEquals(rounds, seen, "rounds that logged their workers' GPUs");

        assertEquals(metrics(work.resolve("warehouse-local")), metrics(warehouse));
    }

    private String[] ingestArgs(Path warehouse) {
        return new String[]{"ingest", "--format", "trl", "--input", TestSpark.samples("trl-pairs.jsonl").toAbsolutePath().toString(),
                "--dataset", "pairs", "--dt", DT, "--test-fraction", "0", "--warehouse", warehouse.toString()};
    }

    private String[] trainArgs(Path warehouse, Path output) {
        return new String[]{"train-rm", "--pairs", "pairs", "--dt", DT, "--base-model", work.resolve("base-model").toString(),
                "--output", output.toString(), "--run-id", "rm", "--warehouse", warehouse.toString(),
                "--workers", "2", "--batch-size-per-worker", "1", "--averaging-frequency", "2", "--epochs", "2",
                "--learning-rate", "1e-3", "--checkpoint-every", "0", "--max-length", "256",
                "--averaging", "dl4j"};   // the cluster run's metrics equal the local run's, whichever executor a task lands on
    }

    private static Set<Integer> profilesOf(List<JsonNode> events, String event) {
        Set<Integer> ids = new HashSet<>();
        events.stream().filter(e -> e.path("Event").asText().equals(event)).forEach(e -> ids.add(e.path("Resource Profile Id").asInt()));
        return ids;
    }

    /** Submitted stages per resource profile id. */
    private static Map<Integer, Integer> stageProfiles(List<JsonNode> events) {
        Map<Integer, Integer> stages = new TreeMap<>();
        events.stream().filter(e -> e.path("Event").asText().equals("SparkListenerStageSubmitted"))
                .forEach(e -> stages.merge(e.path("Stage Info").path("Resource Profile Id").asInt(), 1, Integer::sum));
        return stages;
    }

    private static int exitCode(StandaloneCluster.Node driver) {
        try {
            if (!driver.process().waitFor(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                StandaloneCluster.killTree(driver);
                throw new AssertionError(driver.name() + " still running after " + JOB_TIMEOUT.toSeconds() + " s");
            }
            return driver.process().exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The run's training_metrics rows in round order, without wall-clock columns. */
    private List<String> metrics(Path warehouse) {
        List<String> rows = new ArrayList<>();
        for (Row row : local.read().parquet(warehouse.resolve("training_metrics").toString()).orderBy("round")
                .select("round", "epoch", "iteration", "examples", "tokens", "loss", "learning_rate", "grad_norm", "metrics")
                .collectAsList()) {
            Map<String, Double> named = new TreeMap<>(row.<String, Double>getJavaMap(8));
            named.remove(ParameterAveraging.SLOWEST_WORKER_SECONDS);   // wall-clock
            rows.add(List.of(row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), row.get(5), row.get(6), row.get(7),
                    named).toString());
        }
        return rows;
    }
}
