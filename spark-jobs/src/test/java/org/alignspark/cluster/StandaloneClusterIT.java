package org.alignspark.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.alignspark.Main;
import org.alignspark.train.ParameterAveraging;
import org.alignspark.warehouse.TaskFaultInjection;
import org.alignspark.testing.TestSpark;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jobs on a real Spark standalone cluster (a Master and two Workers, each its own JVM, see
 * {@link StandaloneCluster}), submitted with SparkSubmit and the shaded jar, and three faults a cluster meets: a task
 * that fails, a Worker (machine) that dies mid-job, a driver that dies mid-training. Each faulty cluster run is
 * compared with a clean run of the same job, done in-process in local mode, whose results the cluster must reproduce
 * exactly (the jobs are deterministic; training's parameter averaging over two workers sums in either order to the
 * same floats).
 *
 * <p>The tests run in order and build on each other, like the pipeline: ingest → train-rm (worker lost) →
 * train-rm (driver killed, resumed). Runs in failsafe's integration-test phase, after the shaded jar is built:
 * {@code mvn -B -pl spark-jobs -am verify -Dit.test=StandaloneClusterIT} (add
 * {@code -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false} to skip the unit tests). Logs of every JVM stay under
 * {@code spark-jobs/target/cluster-it/} and are printed when a test fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class StandaloneClusterIT {
    private static final String DT = "2026-11-27";
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration CLUSTER_TIMEOUT = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RESUMED = Pattern.compile("resuming \\S+ from \\S*checkpoint-(\\d+) \\(round (\\d+)");

    private StandaloneCluster cluster;
    private Path work;
    private Path localWarehouse;
    private Path clusterWarehouse;
    private Path model;
    private SparkSession local;

    @RegisterExtension
    final TestExecutionExceptionHandler printLogsOnFailure = (context, failure) -> {
        if (cluster != null) {
            cluster.printLogs(System.err, 60);
        }
        throw failure;
    };

    @BeforeAll
    void startClusterAndRunTheCleanChainLocally() throws IOException {
        Path build = Path.of(System.getProperty("alignspark.buildDirectory", "target")).toAbsolutePath();
        Path root = Path.of(System.getProperty("alignspark.root", "..")).toAbsolutePath().normalize();
        cluster = StandaloneCluster.start(build.resolve("cluster-it"), root, build, 2, CLUSTER_TIMEOUT);
        work = Files.createDirectories(cluster.dir().resolve("data"));
        localWarehouse = work.resolve("warehouse-local");
        clusterWarehouse = work.resolve("warehouse-cluster");
        model = work.resolve("base-model");

        // The clean reference: the same chain in this JVM, local mode, no faults.
        local = TestSpark.session();
        assertEquals(0, Main.run(ingestArgs(localWarehouse)));
        assertEquals(0, Main.run("init-model", "--output", model.toString(), "--d-model", "16", "--layers", "1",
                "--heads", "2", "--max-positions", "256", "--seed", "5"));
        assertEquals(0, Main.run(trainArgs(localWarehouse, work.resolve("rm-local"), "rm", 0, DL4J)));
        assertEquals(0, Main.run(trainArgs(localWarehouse, work.resolve("rm-outer-local"), "rm-outer", 0, OUTER)));
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void ingestRetriesAFailedTaskAndWritesTheCleanRunsRows() throws IOException {
        Path marker = work.resolve("fail-task-once.marker");
        StandaloneCluster.Node driver = cluster.submit("ingest", Map.of(TaskFaultInjection.FAIL_TASK_ONCE, marker.toUri().toString(),
                "spark.task.maxFailures", "4"), ingestArgs(clusterWarehouse));

        assertEquals(0, exitCode(driver), driver.logText());
        assertTrue(Files.exists(marker), "the injected failure never fired");
        List<JsonNode> failedTasks = taskEnds(cluster.eventLog("ingest"), false);
        assertEquals(1, failedTasks.size(), "failed task attempts: " + failedTasks);
        assertEquals(TaskFaultInjection.InjectedTaskFailure.class.getName(), failedTasks.get(0).path("Class Name").asText());
        assertEquals(sortedRows("pairs", localWarehouse), sortedRows("pairs", clusterWarehouse));
        assertEquals(ingestRuns(localWarehouse), ingestRuns(clusterWarehouse));
    }

    @Test
    @Order(2)
    void trainingLosesAWorkerMidJobAndEndsWithTheCleanRunsMetrics() throws IOException {
        loseAWorkerMidJob("rm", DL4J);
    }

    @Test
    @Order(3)
    void killedDriverLeavesNothingRunningAndTheRerunResumesFromTheLastCheckpoint() throws IOException {
        killTheDriverAndResume("rm", DL4J);
    }

    /**
     * {@code --averaging outer}: the lost executor's worker, like every worker of the resumed run, starts a fresh inner
     * state, which the runs count in {@code averaging/fresh_inner_states}; with inner SGD (no state to lose) every
     * other metric must be the clean run's, round for round, so the data positions, the outer momentum restored from
     * the checkpoint and the retried rounds are what the fault left intact.
     */
    @Test
    @Order(4)
    void outerAveragingLosesAWorkerMidJobAndEndsWithTheCleanRunsMetrics() throws IOException {
        loseAWorkerMidJob("rm-outer", OUTER);
    }

    @Test
    @Order(5)
    void outerAveragingResumesAKilledDriversRunWithTheCleanRunsMetrics() throws IOException {
        killTheDriverAndResume("rm-outer", OUTER);
    }

    private void loseAWorkerMidJob(String cleanRun, List<String> mode) throws IOException {
        String runId = cleanRun + "-worker-lost";
        StandaloneCluster.Node victim = cluster.workers().get(1);
        StandaloneCluster.Node driver = cluster.submit("train-" + runId, Map.of(),
                trainArgs(clusterWarehouse, work.resolve(runId), runId, 0, mode));
        awaitLog(driver, "round 3 (");
        assertFalse(StandaloneCluster.executors(victim).isEmpty(), "the Worker to kill runs no executor of the job");
        StandaloneCluster.killTree(victim);

        assertEquals(0, exitCode(driver), driver.logText());
        List<JsonNode> events = cluster.eventLog("train-" + runId);
        assertTrue(events.stream().anyMatch(e -> e.path("Event").asText().equals("SparkListenerExecutorRemoved")),
                "the driver never lost an executor");
        assertEquals(metrics(localWarehouse, cleanRun), metrics(clusterWarehouse, runId));
        if (mode == OUTER) {
            assertTrue(freshInnerStates(clusterWarehouse, runId) > freshInnerStates(localWarehouse, cleanRun),
                    "no worker lost its inner state with the executor");
        }

        cluster.startWorker();   // two Workers again for the next test
        cluster.awaitAliveWorkers(2, CLUSTER_TIMEOUT);
    }

    private void killTheDriverAndResume(String cleanRun, List<String> mode) throws IOException {
        String runId = cleanRun + "-resume";
        Path output = work.resolve(runId);
        String[] args = trainArgs(clusterWarehouse, output, runId, 4, mode);
        StandaloneCluster.Node driver = cluster.submit("train-" + cleanRun + "-killed", Map.of(), args);
        // Round 5's log line comes after checkpoint 4 and its metrics rows are committed.
        awaitLog(driver, "round 5 (");
        assertTrue(Files.isDirectory(output.resolve("checkpoint-000004")));
        StandaloneCluster.killTree(driver);

        StandaloneCluster.await("the Master to end the driverless application", CLUSTER_TIMEOUT,
                () -> cluster.masterState().path("activeapps").isEmpty());
        StandaloneCluster.await("the Workers' executors to exit", CLUSTER_TIMEOUT,
                () -> cluster.workers().stream().allMatch(w -> StandaloneCluster.executors(w).isEmpty()));

        StandaloneCluster.Node rerun = cluster.submit("train-" + cleanRun + "-resumed", Map.of(), args);
        assertEquals(0, exitCode(rerun), rerun.logText());
        Matcher resumed = RESUMED.matcher(rerun.logText());
        assertTrue(resumed.find(), "the re-run did not resume:\n" + rerun.logText());
        int totalRounds = metrics(localWarehouse, cleanRun).size();
        int resumedAt = Integer.parseInt(resumed.group(2));
        assertTrue(resumedAt >= 4 && resumedAt < totalRounds, "resumed at round " + resumedAt + " of " + totalRounds);

        Path last = output.resolve(String.format("checkpoint-%06d", totalRounds));
        assertEquals(totalRounds, JSON.readTree(last.resolve("trainer_state.json").toFile()).path("round").asInt());
        // Each round's metrics once, and the same as the uninterrupted run's: resuming lost and repeated nothing.
        assertEquals(metrics(localWarehouse, cleanRun), metrics(clusterWarehouse, runId));
        if (mode == OUTER) {
            // The resumed run's first round started both workers afresh; a task that Spark later places on the other
            // executor starts afresh too (placement is Spark's choice), so at least two more than the clean run.
            assertTrue(freshInnerStates(clusterWarehouse, runId) >= freshInnerStates(localWarehouse, cleanRun) + 2,
                    "the resumed run's first round did not start both workers afresh");
        }
    }

    private String[] ingestArgs(Path warehouse) {
        return new String[]{"ingest", "--format", "trl", "--input", TestSpark.samples("trl-pairs.jsonl").toAbsolutePath().toString(),
                "--dataset", "pairs", "--dt", DT, "--test-fraction", "0", "--warehouse", warehouse.toString()};
    }

    /** DL4J's averaging of parameters and Adam moments. */
    private static final List<String> DL4J = List.of("--averaging", "dl4j", "--learning-rate", "1e-3");
    /**
     * DiLoCo's outer Nesterov step over inner SGD, whose inner state (none) a fault cannot lose, averaging every 2
     * minibatches after a synchronous warm-up of 2: the outer momentum and the round schedule must survive the faults.
     */
    private static final List<String> OUTER = List.of("--averaging", "outer", "--outer-lr", "0.7", "--outer-momentum", "0.9",
            "--optimizer", "sgd", "--learning-rate", "0.05", "--sync-warmup-steps", "2");

    /** A tiny reward model on the ingested pairs: 2 workers × 1 pair a minibatch, 4 epochs (16 rounds with DL4J). */
    private String[] trainArgs(Path warehouse, Path output, String runId, int checkpointEvery, List<String> mode) {
        List<String> args = new ArrayList<>(List.of("train-rm", "--pairs", "pairs", "--dt", DT, "--base-model", model.toString(),
                "--output", output.toString(), "--run-id", runId, "--warehouse", warehouse.toString(),
                "--workers", "2", "--batch-size-per-worker", "1", "--averaging-frequency", mode == OUTER ? "2" : "1",
                "--epochs", "4", "--checkpoint-every", String.valueOf(checkpointEvery), "--max-length", "256"));
        args.addAll(mode);
        return args.toArray(String[]::new);
    }

    /** Workers that started a fresh inner state, summed over a run's rounds. */
    private double freshInnerStates(Path warehouse, String runId) {
        return local.read().parquet(warehouse.resolve("training_metrics").toString()).filter("run_id = '" + runId + "'")
                .selectExpr("metrics['averaging/fresh_inner_states']").collectAsList().stream()
                .mapToDouble(row -> row.isNullAt(0) ? 0 : row.getDouble(0)).sum();
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

    private static void awaitLog(StandaloneCluster.Node driver, String text) {
        StandaloneCluster.await(driver.name() + " to log '" + text + "'", JOB_TIMEOUT, () -> {
            if (!driver.process().isAlive()) {
                throw new AssertionError(driver.name() + " ended (exit " + driver.process().exitValue() + ") before logging '"
                        + text + "':\n" + driver.logText());
            }
            return driver.logText().contains(text);
        });
    }

    /** TaskEnd events of the event log that succeeded ({@code true}) or failed: their "Task End Reason". */
    private static List<JsonNode> taskEnds(List<JsonNode> events, boolean success) {
        return events.stream().filter(e -> e.path("Event").asText().equals("SparkListenerTaskEnd"))
                .map(e -> e.path("Task End Reason"))
                .filter(reason -> reason.path("Reason").asText().equals("Success") == success)
                .toList();
    }

    /** A partition's rows (all columns, or the named ones), as sorted strings. */
    private List<String> sortedRows(String table, Path warehouse, String... columns) {
        var rows = local.read().parquet(warehouse.resolve(table).resolve("dt=" + DT).toString());
        if (columns.length > 0) {
            rows = rows.selectExpr(columns);
        }
        return rows.collectAsList().stream().map(Row::toString).sorted().toList();
    }

    /** The ingest runs' accounting in job_runs (the local warehouse also holds the reference train-rm's run by now). */
    private List<String> ingestRuns(Path warehouse) {
        return local.read().parquet(warehouse.resolve("job_runs").resolve("dt=" + DT).toString()).filter("job = 'ingest'")
                .selectExpr("rows_in", "rows_out", "rows_quarantined", "duplicates", "ties")
                .collectAsList().stream().map(Row::toString).sorted().toList();
    }

    /** One run's training_metrics rows in round order, without its run id and wall-clock columns. */
    private List<String> metrics(Path warehouse, String runId) {
        List<String> rows = new ArrayList<>();
        for (Row row : local.read().parquet(warehouse.resolve("training_metrics").toString())
                .filter("run_id = '" + runId + "'").orderBy("round")
                .select("round", "epoch", "iteration", "examples", "tokens", "loss", "learning_rate", "grad_norm", "metrics")
                .collectAsList()) {
            Map<String, Double> named = new TreeMap<>(row.<String, Double>getJavaMap(8));
            named.remove("averaging/fresh_inner_states");   // a fault's mark (outer mode): compared on its own
            named.remove(ParameterAveraging.SLOWEST_WORKER_SECONDS);   // wall-clock
            rows.add(List.of(row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), row.get(5), row.get(6), row.get(7),
                    named).toString());
        }
        return rows;
    }
}
