package org.alignspark.jobs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.alignspark.pipeline.PipelineConfig;
import org.alignspark.testing.TestSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bundled demo (conf/demo.yaml as the jar carries it), every step, with its models and data scaled down by --set. */
class DemoJobTest {
    private static final String DT = "2026-11-27";

    /** The demo's vars at test size: tiny models, few examples, short samples. */
    private static final Map<String, String> TINY = new LinkedHashMap<>();
    static {
        TINY.put("scorer-d-model", "16");
        TINY.put("scorer-layers", "1");
        TINY.put("scorer-dialogues", "48");
        TINY.put("scorer-epochs", "1");
        TINY.put("scorer-warmup-steps", "0");
        TINY.put("policy-d-model", "16");
        TINY.put("policy-layers", "1");
        TINY.put("policy-dialogues", "48");
        TINY.put("policy-epochs", "1");
        TINY.put("k", "2");
        TINY.put("max-new-tokens", "4");
        TINY.put("pairs", "32");
        TINY.put("rm-epochs", "1");
        TINY.put("dpo-epochs", "1");
        TINY.put("mine-min-margin", "0");   // an untrained scorer's FLR gaps are small
        TINY.put("mine-max-edit-words", "4");   // an untrained policy's 4-token samples are seldom minimal pairs
        TINY.put("arithmetic-traces", "40");
        TINY.put("arithmetic-sft-epochs", "1");
        TINY.put("score-stage1-epochs", "1");
        TINY.put("score-epochs", "1");
        TINY.put("self-correct-k", "2");
    }

    @TempDir
    Path tmp;

    @Test
    void theBundledDemoRunsEveryStepAndFillsEveryReportSectionItFeeds() throws IOException {
        String warehouse = tmp.resolve("warehouse").toString();
        DemoJob demo = new DemoJob();
        String[] args = {"--dt", DT, "--warehouse", warehouse, "--samples", TestSpark.samples("").toString()};
        for (var v : TINY.entrySet()) {
            args = Arrays.copyOf(args, args.length + 2);
            args[args.length - 2] = "--set";
            args[args.length - 1] = v.getKey() + "=" + v.getValue();
        }
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true));
        int code;
        try {
            code = new CommandLine(demo).execute(args);
        } finally {
            System.setOut(out);
        }
        String printed = captured.toString();
        assertEquals(0, code, printed);

        // Every step of the bundled config ran and succeeded.
        List<String> steps = PipelineConfig.read("demo").steps().stream().map(PipelineConfig.Step::name).toList();
        assertEquals(steps, List.copyOf(demo.outcome().statuses().keySet()));
        demo.outcome().statuses().forEach((step, status) -> assertEquals("succeeded", status, step));

        // The report exists where the demo says, with every section filled.
        Matcher path = Pattern.compile("The demo's report: (\\S+)").matcher(printed);
        assertTrue(path.find(), printed);
        Path report = Path.of(path.group(1));
        assertEquals(tmp.resolve("warehouse/_pipelines/demo/report/dt=" + DT + "/index.html").toAbsolutePath(), report);
        String html = Files.readString(report);
        Map<String, Boolean> absent = new LinkedHashMap<>();
        Matcher section = Pattern.compile("<section id=\"([^\"]+)\">(.*?)</section>", Pattern.DOTALL).matcher(html);
        while (section.find()) {
            absent.put(section.group(1), section.group(2).contains("class=\"absent\""));
        }
        assertEquals(List.of("jobs", "quarantine", "flr", "ches", "training", "reward-model", "policy", "self-correction",
                "diversity", "guidance-sweep"), List.copyOf(absent.keySet()), html);
        absent.forEach((id, isAbsent) -> assertFalse(isAbsent, id + " is not run"));

        // The tables behind the sections hold rows, and the printed queries run and are ready to paste.
        SparkSession spark = TestSpark.session();
        for (String table : List.of("demo_raw_pairs_quarantine", "demo_flr_pairs", "demo_ches_pairs", "demo_rm_eval",
                "policy_eval", "self_correction_metrics", "demo_samples_diversity")) {
            assertTrue(spark.sql("SELECT * FROM " + table + " WHERE dt = '" + DT + "'").count() > 0, table);
        }
        assertEquals(4, printed.lines().filter(l -> l.startsWith("  bin/alignspark sql --warehouse " + warehouse + " \"SELECT ")).count(), printed);

        // A second run finds every step complete and runs none.
        DemoJob again = new DemoJob();
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
        try {
            assertEquals(0, new CommandLine(again).execute(args));
        } finally {
            System.setOut(out);
        }
        again.outcome().statuses().forEach((step, status) -> assertEquals("complete", status, step));
    }
}
