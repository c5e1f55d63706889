package org.alignspark.jobs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.alignspark.Main;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/airflow/check_dag.py against the nightly DAG, with every job's --help as this build prints it (in-process, so
 * the test needs no packaged jar): the DAG compiles, each task's command line is one the CLI accepts, GPU steps are in
 * the gpu pool, and the chain's order holds. A broken DAG shows the checker can fail.
 */
class AirflowDagTest {
    private static final Path ROOT = Path.of(System.getProperty("alignspark.root", ".."));
    private static final Path CHECKER = ROOT.resolve("deploy/airflow/check_dag.py");

    @TempDir
    static Path tmp;

    private static Path helpDir;

    @BeforeAll
    static void writeEveryJobsHelp() throws IOException {
        helpDir = Files.createDirectories(tmp.resolve("help"));
        CommandLine main = new CommandLine(new Main());
        for (var job : main.getSubcommands().entrySet()) {
            job.getValue().setUsageHelpWidth(200);   // one synopsis line: nothing cut
            Files.writeString(helpDir.resolve(job.getKey() + ".txt"), job.getValue().getUsageMessage(CommandLine.Help.Ansi.OFF),
                    StandardCharsets.UTF_8);
        }
    }

    private record Result(int code, String output) {
    }

    private static Result check(Path dag) throws IOException, InterruptedException {
        Path log = tmp.resolve("check-" + dag.getFileName() + ".log");
        Process p = new ProcessBuilder("python3", CHECKER.toString(), dag.toString(), "--help-dir", helpDir.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "check_dag.py did not finish");
        return new Result(p.exitValue(), Files.readString(log));
    }

    @Test
    void nightlyDagCallsEveryJobWithOptionsItsHelpLists() throws Exception {
        Result result = check(ROOT.resolve("deploy/airflow/alignspark_nightly.py"));
        assertEquals(0, result.code(), result.output());
        assertTrue(result.output().contains("14 tasks checked, 0 errors"), result.output());
    }

    @Test
    void checkerNamesAMisspelledOptionAMissingRequiredOneAndAGpuStepOutsideThePool() throws Exception {
        Path dag = tmp.resolve("broken_dag.py");
        Files.writeString(dag, String.join("\n", List.of(
                "from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator",
                "WAREHOUSE = 's3a://w'",
                "mine = SparkSubmitOperator(task_id='flr_mine', application_args=['flr-mine', '--input', 'flr_scores',",
                "    '--min-margn', '0.1', '--dt', '{{ ds }}', '--warehouse', WAREHOUSE])",
                "score = SparkSubmitOperator(task_id='flr_score', application_args=['flr-score', '--responses', 'c',",
                "    '--scorer', 'm', '--output', 'flr_scores', '--dt', '2026-01-01'])",
                "score >> mine",
                "")));
        Result result = check(dag);
        assertEquals(1, result.code(), result.output());
        assertTrue(result.output().contains("task flr_mine (line 3): flr-mine has no option --min-margn"), result.output());
        assertTrue(result.output().contains("task flr_mine (line 3): flr-mine needs --output"), result.output());
        assertTrue(result.output().contains("task flr_score (line 5): --dt must be {{ ds }}, got 2026-01-01"), result.output());
        assertTrue(result.output().contains("task flr_score (line 5): flr-score runs a model and must be in pool 'gpu'"), result.output());
        assertTrue(result.output().contains("the nightly chain's job ingest has no task"), result.output());
    }

    @Test
    void checkerRejectsADagThatDoesNotCompile() throws Exception {
        Path dag = tmp.resolve("syntax_error_dag.py");
        Files.writeString(dag, "with DAG(dag_id='x') as dag\n    pass\n");
        Result result = check(dag);
        assertTrue(result.code() != 0, result.output());
        assertTrue(result.output().contains("SyntaxError") || result.output().contains("PyCompileError"), result.output());
    }
}
