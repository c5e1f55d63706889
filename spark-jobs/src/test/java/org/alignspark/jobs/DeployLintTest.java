package org.alignspark.jobs;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * deploy/lint over the Kubernetes manifests (yamllint and the JSON schema of the SparkApplication fields we use) and
 * the Dockerfiles (dockerfilelint): what cannot be built or applied here is at least checked. CI installs the tools
 * (.ci/run) and a missing one fails the test there; a developer machine without them skips it with the install line.
 */
class DeployLintTest {
    private static final Path ROOT = Path.of(System.getProperty("alignspark.root", ".."));

    @TempDir
    static Path tmp;

    @BeforeAll
    static void toolsAreInstalled() {
        List<String> missing = new ArrayList<>();
        for (String tool : List.of("yamllint", "ajv", "dockerfilelint")) {
            boolean found = false;
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
                found |= Files.isExecutable(Path.of(dir, tool));
            }
            if (!found) {
                missing.add(tool);
            }
        }
        String install = "apt-get install yamllint; npm install -g ajv-cli@5.0.0 dockerfilelint@1.8.0";
        if (!missing.isEmpty() && System.getenv("CI") != null) {
            fail("deploy/lint needs " + missing + ", which .ci/run installs: " + install);
        }
        assumeTrue(missing.isEmpty(), "not installed: " + missing + " (" + install + ")");
    }

    private record Result(int code, String output) {
    }

    private static Result lint(String... files) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ROOT.resolve("deploy/lint").toString()));
        command.addAll(List.of(files));
        Path log = Files.createTempFile(tmp, "lint", ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "deploy/lint did not finish");
        return new Result(p.exitValue(), Files.readString(log));
    }

    @Test
    void manifestsAndDockerfilesAreClean() throws Exception {
        Result result = lint();
        assertEquals(0, result.code(), result.output());
        assertTrue(result.output().contains("deploy/lint: 4 files clean"), result.output());
    }

    @Test
    void aGpuManifestWithTheCpuImageAndAMemoryWithoutUnitFails() throws Exception {
        Path manifest = tmp.resolve("broken.yaml");
        Files.writeString(manifest, Files.readString(ROOT.resolve("deploy/k8s/train-policy-gpu.yaml"))
                .replace("image: alignspark:0.1.0-cuda", "image: alignspark:0.1.0")
                .replace("memory: 24g", "memory: \"24\""));
        Result result = lint(manifest.toString());
        assertEquals(1, result.code(), result.output());
        assertTrue(result.output().contains("data/spec/image must match pattern \"-cuda$\""), result.output());
        assertTrue(result.output().contains("data/spec/executor/memory must match pattern"), result.output());
    }

    @Test
    void aDockerfileThatInstallsWithoutYesFails() throws Exception {
        Path dockerfile = tmp.resolve("Dockerfile");
        Files.writeString(dockerfile, "FROM apache/spark:3.5.1-scala2.12-java17-ubuntu\nRUN apt-get install curl\n");
        Result result = lint(dockerfile.toString());
        assertEquals(1, result.code(), result.output());
        assertTrue(result.output().contains("-y"), result.output());
    }
}
