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
        assertEquals(0, Main.run(trainArgs(localWarehouse, work.resolve("rm-local"), "rm", 0)));
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
        StandaloneCluster.Node victim = cluster.workers().get(1);
        StandaloneCluster.Node driver = cluster.submit("train-rm-worker-lost", Map.of(),
                trainArgs(clusterWarehouse, work.resolve("rm-worker-lost"), "rm", 0));
        awaitLog(driver, "round 3 (");
        assertFalse(StandaloneCluster.executors(victim).isEmpty(), "the Worker to kill runs no executor of the job");
        StandaloneCluster.killTree(victim);

        assertEquals(0, exitCode(driver), driver.logText());
        List<JsonNode> events = cluster.eventLog("train-rm-worker-lost");
        assertTrue(events.stream().anyMatch(e -> e.path("Event").asText().equals("SparkListenerExecutorRemoved")),
                "the driver never lost an executor");
        assertEquals(metrics(localWarehouse, "rm"), metrics(clusterWarehouse, "rm"));

        cluster.startWorker();   // two Workers again for the next test
        cluster.awaitAliveWorkers(2, CLUSTER_TIMEOUT);
    }

    @Test
    @Order(3)
    void killedDriverLeavesNothingRunningAndTheRerunResumesFromTheLastCheckpoint() throws IOException {
        Path output = work.resolve("rm-resume");
        String[] args = trainArgs(clusterWarehouse, output, "rm-resume", 4);
        StandaloneCluster.Node driver = cluster.submit("train-rm-killed", Map.of(), args);
        // Round 5's log line comes after checkpoint 4 and its metrics rows are committed.
        awaitLog(driver, "round 5 (");
        assertTrue(Files.isDirectory(output.resolve("checkpoint-000004")));
        StandaloneCluster.killTree(driver);

        StandaloneCluster.await("the Master to end the driverless application", CLUSTER_TIMEOUT,
                () -> cluster.masterState().path("activeapps").isEmpty());
        StandaloneCluster.await("the Workers' executors to exit", CLUSTER_TIMEOUT,
                () -> cluster.workers().stream().allMatch(w -> StandaloneCluster.executors(w).isEmpty()));

        StandaloneCluster.Node rerun = cluster.submit("train-rm-resumed", Map.of(), args);
        assertEquals(0, exitCode(rerun), rerun.logText());
        Matcher resumed = RESUMED.matcher(rerun.logText());
        assertTrue(resumed.find(), "the re-run did not resume:\n" + rerun.logText());
        int totalRounds = metrics(localWarehouse, "rm").size();
        int resumedAt = Integer.parseInt(resumed.group(2));
        assertTrue(resumedAt >= 4 && resumedAt < totalRounds, "resumed at round " + resumedAt + " of " + totalRounds);

        Path last = output.resolve(String.format("checkpoint-%06d", totalRounds));
        assertEquals(totalRounds, JSON.readTree(last.resolve("trainer_state.json").toFile()).path("round").asInt());
        // Each round's metrics once, and the same as the uninterrupted run's: resuming lost and repeated nothing.
        assertEquals(metrics(localWarehouse, "rm"), metrics(clusterWarehouse, "rm-resume"));
    }

    private String[] ingestArgs(Path warehouse) {
        return new String[]{"ingest", "--format", "trl", "--input", TestSpark.samples("trl-pairs.jsonl").toAbsolutePath().toString(),
                "--dataset", "pairs", "--dt", DT, "--test-fraction", "0", "--warehouse", warehouse.toString()};
    }

    /** A tiny reward model on the ingested pairs: 2 workers × 1 pair a round, 4 epochs (16 rounds). */
    private String[] trainArgs(Path warehouse, Path output, String runId, int checkpointEvery) {
        return new String[]{"train-rm", "--pairs", "pairs", "--dt", DT, "--base-model", model.toString(),
                "--output", output.toString(), "--run-id", runId, "--warehouse", warehouse.toString(),
                "--workers", "2", "--batch-size-per-worker", "1", "--averaging-frequency", "1", "--epochs", "4",
                "--learning-rate", "1e-3", "--checkpoint-every", String.valueOf(checkpointEvery), "--max-length", "256"};
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
            rows.add(List.of(row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), row.get(5), row.get(6), row.get(7),
                    new TreeMap<>(row.<String, Double>getJavaMap(8))).toString());
        }
        return rows;
    }
}
