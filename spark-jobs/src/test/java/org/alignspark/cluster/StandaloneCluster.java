package org.alignspark.cluster;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A Spark standalone cluster of separate JVMs on 127.0.0.1: one Master and Workers started from the Maven-resolved
 * Spark jars ({@code spark-classpath.txt}), with a throwaway SPARK_HOME whose {@code jars/} links to the same jars
 * (a Worker builds its executors' command line from SPARK_HOME). Jobs go in through the real {@code SparkSubmit}, in
 * client mode, with the shaded application jar, exactly as on a real cluster. All nodes share the local filesystem,
 * so warehouse and model paths are plain folders.
 *
 * <p>Every process it starts is killed with its whole process tree (a Worker's executors are its children) on
 * {@link #close()} and, should the test JVM die first, from a shutdown hook. Logs stay under the cluster's folder.
 */
final class StandaloneCluster implements AutoCloseable {
    private static final String SPARK_SCALA_VERSION = "2.12";
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Every JVM here is small and short-lived, on a 2-core machine: the client compiler and the serial collector start
     * faster and leave the cores to the work (the jobs' heavy lifting is ND4J's native code anyway).
     */
    static final String SMALL_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";
    private static final List<String> JAVA17_OPENS = Stream.of("java.lang", "java.lang.invoke", "java.lang.reflect", "java.io",
                    "java.net", "java.nio", "java.util", "java.util.concurrent", "java.util.concurrent.atomic", "sun.nio.ch",
                    "sun.nio.cs", "sun.security.action", "sun.util.calendar")
            .map(p -> "--add-opens=java.base/" + p + "=ALL-UNNAMED").toList();

    /** A started JVM: a Master, a Worker or a driver, with the file its stdout and stderr go to. */
    record Node(String name, Process process, Path log) {
        String logText() {
            try {
                return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final Path dir;
    private final Path projectRoot;
    private final Path applicationJar;
    private final String sparkClasspath;
    private final Path sparkHome;
    private final int masterPort;
    private final int masterUiPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NORMAL).build();
    private final List<Node> nodes = new CopyOnWriteArrayList<>();
    private final Thread shutdownHook = new Thread(this::killAll, "standalone-cluster-shutdown");
    private int workersStarted;

    private StandaloneCluster(Path dir, Path projectRoot, Path buildDirectory) throws IOException {
        this.dir = dir;
        this.projectRoot = projectRoot;
        this.applicationJar = buildDirectory.resolve("alignspark.jar");
        Path classpathFile = buildDirectory.resolve("spark-classpath.txt");
        if (!Files.isRegularFile(applicationJar) || !Files.isRegularFile(classpathFile)) {
            throw new IllegalStateException(applicationJar + " and " + classpathFile + " come from 'mvn package': "
                    + "run this test through 'mvn verify' (failsafe runs it after the shaded jar is built)");
        }
        this.sparkClasspath = Files.readString(classpathFile).trim();
        this.sparkHome = sparkHome(dir.resolve("spark-home"), sparkClasspath);
        this.masterPort = freePort();
        this.masterUiPort = freePort();
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a Master and {@code workers} Workers (1 core, 1 GiB for executors, each) and waits until all registered. */
    static StandaloneCluster start(Path dir, Path projectRoot, Path buildDirectory, int workers, Duration timeout)
            throws IOException {
        deleteRecursively(dir);
        Files.createDirectories(dir.resolve("logs"));
        StandaloneCluster cluster = new StandaloneCluster(dir, projectRoot, buildDirectory);
        try {
            cluster.nodes.add(cluster.launch("master", List.of("org.apache.spark.deploy.master.Master",
                    "--host", "127.0.0.1", "--port", String.valueOf(cluster.masterPort),
                    "--webui-port", String.valueOf(cluster.masterUiPort)), "256m"));
            for (int i = 0; i < workers; i++) {
                cluster.startWorker();
            }
            cluster.awaitAliveWorkers(workers, timeout);
            return cluster;
        } catch (RuntimeException | IOException e) {
            cluster.close();
            throw e;
        }
    }

    String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    Path dir() {
        return dir;
    }

    /** Starts one more Worker (1 core, 1 GiB for executors); returns without waiting for it to register. */
    Node startWorker() throws IOException {
        return startWorker(1, "1g", Map.of());
    }

    /**
     * Starts one more Worker with {@code cores} and {@code memory} for executors and the Worker's own Spark settings
     * ({@code spark.worker.resource.gpu.*}, say); returns without waiting for it to register.
     */
    Node startWorker(int cores, String memory, Map<String, String> workerConf) throws IOException {
        int index = ++workersStarted;
        Path workDir = Files.createDirectories(dir.resolve("work/worker-" + index));
        List<String> command = new ArrayList<>();
        workerConf.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("org.apache.spark.deploy.worker.Worker",
                "--host", "127.0.0.1", "--cores", String.valueOf(cores), "--memory", memory, "--webui-port", "0",
                "--work-dir", workDir.toString(), masterUrl()));
        Node worker = launch("worker-" + index, command, "256m");
        nodes.add(worker);
        return worker;
    }

    List<Node> workers() {
        return nodes.stream().filter(n -> n.name().startsWith("worker-") && n.process().isAlive()).toList();
    }

    /**
     * Submits {@code jobArgs} to the cluster through SparkSubmit (client mode: the driver is the child JVM this
     * starts). Each submission gets its own event log folder under the cluster's folder.
     */
    Node submit(String name, Map<String, String> sparkConf, String... jobArgs) throws IOException {
        Path events = Files.createDirectories(dir.resolve("events/" + name));
        List<String> command = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit",
                "--master", masterUrl(), "--deploy-mode", "client",
                "--properties-file", projectRoot.resolve("conf/spark-defaults.conf").toString(),
                "--conf", "spark.executor.memory=768m",
                "--conf", "spark.ui.enabled=false",
                "--conf", "spark.executorEnv.OMP_NUM_THREADS=1",
                "--conf", "spark.executor.extraJavaOptions=" + SMALL_JVM,
                "--conf", "spark.eventLog.enabled=true",
                "--conf", "spark.eventLog.dir=" + events.toUri()));
        sparkConf.forEach((key, value) -> command.addAll(List.of("--conf", key + "=" + value)));
        command.addAll(List.of("--class", "org.alignspark.Main", applicationJar.toString()));
        command.addAll(List.of(jobArgs));
        Node driver = launch("driver-" + name, command, "1g");
        nodes.add(driver);
        return driver;
    }

    /** The driver's event log, one JSON object per Spark listener event. */
    List<JsonNode> eventLog(String submission) throws IOException {
        List<JsonNode> events = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir.resolve("events/" + submission))) {
            for (Path file : files.toList()) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    events.add(JSON.readTree(line));
                }
            }
        }
        return events;
    }

    /** The Master's view of the cluster (its web UI's /json/): workers with their state, active and completed apps. */
    JsonNode masterState() {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUiPort + "/json/"))
                    .timeout(Duration.ofSeconds(10)).build();
            return JSON.readTree(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    int aliveWorkers() {
        int alive = 0;
        for (JsonNode worker : masterState().path("workers")) {
            alive += "ALIVE".equals(worker.path("state").asText()) ? 1 : 0;
        }
        return alive;
    }

    void awaitAliveWorkers(int count, Duration timeout) {
        await("the Master to list " + count + " alive workers", timeout, () -> {
            try {
                return aliveWorkers() == count;
            } catch (UncheckedIOException e) {
                return false;   // the Master's web UI is not up yet
            }
        });
    }

    /** Kills a node and every process under it (a Worker's executors), and waits until they are gone. */
    static void killTree(Node node) {
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(node.process().toHandle());
        tree.addAll(node.process().toHandle().descendants().toList());
        tree.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle process : tree) {
            process.onExit().join();
        }
    }

    /** The executor JVMs a Worker runs right now. */
    static List<ProcessHandle> executors(Node worker) {
        return worker.process().toHandle().descendants().filter(ProcessHandle::isAlive).toList();
    }

    /** Prints every node's log tail and every executor's stderr tail, for a failing test. */
    void printLogs(PrintStream out, int linesEach) {
        for (Node node : nodes) {
            printTail(out, node.name() + " (" + node.log() + ")", node.logText(), linesEach);
        }
        try (Stream<Path> files = Files.walk(dir.resolve("work"))) {
            for (Path stderr : files.filter(p -> p.getFileName().toString().equals("stderr")).sorted().toList()) {
                printTail(out, "executor " + dir.relativize(stderr), Files.readString(stderr, StandardCharsets.UTF_8), linesEach);
            }
        } catch (IOException | UncheckedIOException e) {
            out.println("cannot list executor logs: " + e);
        }
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down and the hook runs anyway
        }
    }

    private void killAll() {
        // Drivers first, so no job notices its executors going before it stops; then Workers (and executors), then Master.
        List<Node> order = new ArrayList<>(nodes);
        java.util.Collections.reverse(order);
        order.stream().filter(n -> n.name().startsWith("driver-")).forEach(StandaloneCluster::killTree);
        order.stream().filter(n -> !n.name().startsWith("driver-")).forEach(StandaloneCluster::killTree);
    }

    private Node launch(String name, List<String> mainAndArgs, String heap) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JAVA17_OPENS);
        command.addAll(List.of(SMALL_JVM.split(" ")));
        command.add("-Xmx" + heap);
        command.add("-Dlog4j2.configurationFile=" + sparkHome.resolve("conf/log4j2.properties"));
        command.add("-cp");
        command.add(sparkHome.resolve("conf") + java.io.File.pathSeparator + sparkClasspath);
        command.addAll(mainAndArgs);
        Path log = dir.resolve("logs/" + name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .directory(dir.toFile());
        Map<String, String> env = builder.environment();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("SPARK_HOME", sparkHome.toString());
        // Without it the launcher library looks for a Spark source build to learn the Scala version.
        env.put("SPARK_SCALA_VERSION", SPARK_SCALA_VERSION);
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("SPARK_LOCAL_DIRS", Files.createDirectories(dir.resolve("local")).toString());
        // One task per core already; ND4J's own OpenMP threads would only spin-wait for each other.
        env.put("OMP_NUM_THREADS", "1");
        return new Node(name, builder.start(), log);
    }

    /** SPARK_HOME with jars/ (links to the Maven-resolved jars) and conf/ (logging for Master, Workers and executors). */
    private static Path sparkHome(Path home, String classpath) throws IOException {
        Path jars = Files.createDirectories(home.resolve("jars"));
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            Path jar = Path.of(entry);
            Path link = jars.resolve(jar.getFileName());
            if (Files.notExists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createSymbolicLink(link, jar.toAbsolutePath());
                } catch (UnsupportedOperationException | IOException e) {
                    Files.copy(jar, link);
                }
            }
        }
        Path conf = Files.createDirectories(home.resolve("conf"));
        Files.writeString(conf.resolve("log4j2.properties"), String.join("\n",
                "rootLogger.level = warn",
                "rootLogger.appenderRef.console.ref = console",
                "appender.console.type = Console",
                "appender.console.name = console",
                "appender.console.target = SYSTEM_ERR",
                "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1}: %m%n",
                "logger.deploy.name = org.apache.spark.deploy",
                "logger.deploy.level = info",
                "logger.executor.name = org.apache.spark.executor",
                "logger.executor.level = info",
                "logger.alignspark.name = org.alignspark",
                "logger.alignspark.level = info",
                ""));
        return home;
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void printTail(PrintStream out, String title, String text, int lines) {
        String[] all = text.split("\n");
        out.println("===== " + title + " (last " + Math.min(lines, all.length) + " of " + all.length + " lines)");
        for (int i = Math.max(0, all.length - lines); i < all.length; i++) {
            out.println(all[i]);
        }
    }

    static void deleteRecursively(Path path) throws IOException {
        if (Files.notExists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);   // links are removed, never followed
            }
        }
    }
}
