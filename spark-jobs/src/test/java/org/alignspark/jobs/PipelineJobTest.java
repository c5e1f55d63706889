package org.alignspark.jobs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.alignspark.Main;
import org.alignspark.testing.TestSpark;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PipelineJobTest {
    private static final String DT = "2026-11-27";

    @TempDir
    Path tmp;

    /** A three-step night: the demo world, a tiny policy, and K samples per question from it. */
    private Path config(String policySeed, String generateOutput) throws IOException {
        Path file = tmp.resolve("night-" + policySeed + "-" + generateOutput + ".yaml");
        Files.writeString(file, """
                name: night
                vars:
                  policy: ${work}/policy
                steps:
                  - name: world
                    job: demo-data
                    args: {prefix: night, dialogues: 20, pairs: 4, k: 2, arithmetic-traces: 0}
                    outputs: [table:night_candidates, table:night_pairs]
                  - name: policy
                    job: init-model
                    args: {output: "${policy}", d-model: 16, layers: 1, heads: 2, max-positions: 128, seed: %s}
                    outputs: ["path:${policy}"]
                  - name: samples
                    job: generate
                    args: {prompts: night_candidates, policy: "${policy}", output: %s, k: 2, max-new-tokens: 3}
                    outputs: [table:night_samples]
                """.formatted(policySeed, generateOutput));
        return file;
    }

    private static Map<String, String> statuses(SparkSession spark, String runId) {
        return spark.sql("SELECT step, status FROM pipeline_runs WHERE run_id = '" + runId + "'").collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getString(0), r -> r.getString(1)));
    }

    @Test
    void aFailedNightResumesAtTheStepThatFailedAndAChangedStepRerunsWhatFollows() throws IOException {
        SparkSession spark = TestSpark.session();
        String warehouse = tmp.resolve("warehouse").toString();
        Path work = tmp.resolve("work");
        String[] common = {"--dt", DT, "--warehouse", warehouse, "--work", work.toString()};

        // Night 1: the samples step names an output table that is not a valid name, so it fails after two steps.
        assertEquals(1, Main.run(concat(new String[]{"pipeline", "--config", config("3", "Night-Samples").toString(), "--run-id", "n1"}, common)));
        assertEquals(Map.of("world", "succeeded", "policy", "succeeded", "samples", "failed"), statuses(spark, "n1"));
        FileTime policyWritten = Files.getLastModifiedTime(work.resolve("policy/config.json"));

        // The fixed config resumes: the two complete steps are skipped (not rewritten), the failed one runs.
        assertEquals(0, Main.run(concat(new String[]{"pipeline", "--config", config("3", "night_samples").toString(), "--run-id", "n2"}, common)));
        assertEquals(Map.of("samples", "succeeded"), statuses(spark, "n2"));
        assertEquals(policyWritten, Files.getLastModifiedTime(work.resolve("policy/config.json")));
        assertEquals(2L * 16, spark.sql("SELECT explode(responses) FROM night_samples WHERE dt = '" + DT + "'").count());

        // Run again: nothing to do.
        assertEquals(0, Main.run(concat(new String[]{"pipeline", "--config", config("3", "night_samples").toString(), "--run-id", "n3"}, common)));
        assertEquals(Map.of(), statuses(spark, "n3"));

        // A changed policy seed re-runs the policy step and the step after it, not the one before; the re-run step
        // starts its folder afresh (a training run would otherwise resume its old checkpoints).
        Files.writeString(work.resolve("policy/stale.txt"), "from the old config");
        assertEquals(0, Main.run(concat(new String[]{"pipeline", "--config", config("4", "night_samples").toString(), "--run-id", "n4"}, common)));
        assertEquals(Map.of("policy", "succeeded", "samples", "succeeded"), statuses(spark, "n4"));
        assertNotEquals(policyWritten, Files.getLastModifiedTime(work.resolve("policy/config.json")));
        assertTrue(!Files.exists(work.resolve("policy/stale.txt")));

        // A deleted output makes its step incomplete again.
        deleteRecursively(Path.of(warehouse, "night_samples", "dt=" + DT));
        assertEquals(0, Main.run(concat(new String[]{"pipeline", "--config", config("4", "night_samples").toString(), "--run-id", "n5"}, common)));
        assertEquals(Map.of("samples", "succeeded"), statuses(spark, "n5"));

        // --from forces a step and everything after it; --plan runs nothing and says what would run.
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true));
        try {
            assertEquals(0, Main.run(concat(new String[]{"pipeline", "--config", config("4", "night_samples").toString(), "--run-id", "n6",
                    "--from", "policy", "--plan"}, common)));
        } finally {
            System.setOut(out);
        }
        List<String> lines = captured.toString().lines().filter(l -> l.matches("^(world|policy|samples) .*")).toList();
        assertEquals(3, lines.size(), captured.toString());
        assertTrue(lines.get(0).contains("complete") && lines.get(1).contains("will run") && lines.get(2).contains("will run"), lines.toString());
        assertEquals(Map.of(), statuses(spark, "n6"));
        List<Row> all = spark.sql("SELECT DISTINCT run_id FROM pipeline_runs").collectAsList();
        assertEquals(4, all.size(), all.toString());   // n1, n2, n4, n5 ran steps
    }

    @Test
    void setReplacesAVarSoItsStepsRerunAndRejectsAVarTheConfigDoesNotDefine() throws IOException {
        Path file = tmp.resolve("seeded.yaml");
        Files.writeString(file, """
                name: seeded
                vars:
                  seed: "1"
                  policy: ${work}/policy-${seed}
                steps:
                  - name: policy
                    job: init-model
                    args: {output: "${policy}", d-model: 16, layers: 1, heads: 2, max-positions: 32, seed: "${seed}"}
                    outputs: ["path:${policy}"]
                """);
        SparkSession spark = TestSpark.session();
        Path work = tmp.resolve("work");
        String[] common = {"pipeline", "--config", file.toString(), "--dt", DT, "--warehouse", tmp.resolve("warehouse").toString(),
                "--work", work.toString()};
        assertEquals(0, Main.run(concat(common, new String[]{"--run-id", "s1"})));
        assertTrue(Files.exists(work.resolve("policy-1/config.json")));
        // A var set on the command line reaches the vars defined after it, and changes the step's hash: it runs again.
        assertEquals(0, Main.run(concat(common, new String[]{"--run-id", "s2", "--set", "seed=2"})));
        assertEquals(Map.of("policy", "succeeded"), statuses(spark, "s2"));
        assertTrue(Files.exists(work.resolve("policy-2/config.json")));
        assertEquals(0, Main.run(concat(common, new String[]{"--run-id", "s3", "--set", "seed=2"})));
        assertEquals(Map.of(), statuses(spark, "s3"));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> org.alignspark.pipeline.PipelineConfig.read(file.toString()).withVars(Map.of("sede", "2")));
        assertTrue(e.getMessage().contains("has no var 'sede'"), e.getMessage());
        assertEquals(1, Main.run(concat(common, new String[]{"--run-id", "s4", "--set", "sede=2"})));
    }

    @Test
    void rejectsABadConfigBeforeRunningAnything() throws IOException {
        Path unknownJob = tmp.resolve("unknown-job.yaml");
        Files.writeString(unknownJob, "name: bad\nsteps:\n  - {name: a, job: no-such-job, outputs: [table:x]}\n");
        Path unknownVar = tmp.resolve("unknown-var.yaml");
        Files.writeString(unknownVar, "name: bad\nsteps:\n  - {name: a, job: init-model, args: {output: '${nowhere}/m'}, outputs: ['path:${work}/m']}\n");
        Path noOutputs = tmp.resolve("no-outputs.yaml");
        Files.writeString(noOutputs, "name: bad\nsteps:\n  - {name: a, job: init-model, args: {output: m}}\n");
        String warehouse = tmp.resolve("warehouse").toString();
        for (Path config : List.of(unknownJob, unknownVar, noOutputs)) {
            assertEquals(1, Main.run("pipeline", "--config", config.toString(), "--dt", DT, "--warehouse", warehouse), config.toString());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> org.alignspark.pipeline.PipelineConfig.read(noOutputs.toString()));
        assertTrue(e.getMessage().contains("needs at least one output"), e.getMessage());
        assertTrue(!Files.exists(tmp.resolve("warehouse/_pipelines/bad/markers")));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static void deleteRecursively(Path folder) throws IOException {
        try (var paths = Files.walk(folder)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
