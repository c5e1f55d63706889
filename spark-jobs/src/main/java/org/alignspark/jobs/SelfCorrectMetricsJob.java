package org.alignspark.jobs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.alignspark.cli.JobOptions;
import org.alignspark.cli.SplitOption;
import org.alignspark.common.selfcorrect.Verifier;
import org.alignspark.evaluation.SelfCorrectionMetricsTable;
import org.alignspark.evaluation.TraceVerdicts;
import org.alignspark.warehouse.JobRun;
import org.alignspark.warehouse.Warehouse;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.alignspark.cli.OptionChecks.require;
import static org.apache.spark.sql.functions.col;

/**
 * {@code self-correct-metrics}: the self_correction_metrics of two-attempt traces made elsewhere (vLLM, an API) and
 * ingested with {@code ingest --format self-correction}: Acc@t1, Acc@t2, Δ, Δ^{i→c}, Δ^{c→i}, CL, CS and RSS with
 * counts and 95% Wilson intervals, one row per group of {@code --group-by} (a table column or a field the input rows
 * carried, such as model or dataset), computed by the same code as self-correct-eval's. Attempts 1 and 2 are judged
 * by their recorded {@code correct}; attempts without one are graded by {@code --verifier} against the reference
 * answer, or the trace is quarantined to {@code <traces>_metrics_quarantine} with the reason.
 */
@Command(name = "self-correct-metrics", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Self-correction metrics (Acc@t1/t2, Δ, Δi→c, Δc→i, CL, CS, RSS) of ingested two-attempt traces, per group.")
public final class SelfCorrectMetricsJob implements Callable<Integer> {
    @Option(names = "--traces", required = true, description = "SelfCorrectionTrace table (ingest --format self-correction, or self-correct-eval's output).")
    String tracesTable;

    @Option(names = "--group-by", split = ",", paramLabel = "COLUMN",
            description = "One metrics row per value of these, comma-separated: columns of the table (source, split, prompt_id, …) "
                    + "or fields the input rows carried (model, dataset, …; kept in tags). Default: one row for all traces.")
    List<String> groupBy = new ArrayList<>();

    @Option(names = "--verifier", description = "Grades attempts without a recorded verdict: exact, numeric[:tolerance] or regex:<pattern>. "
            + "Default: none, and such traces are quarantined.")
    String verifier;

    @Option(names = "--regrade", description = "Grade every attempt with --verifier, ignoring the recorded verdicts.")
    boolean regrade;

    @Mixin JobOptions job;
    @Mixin SplitOption split = new SplitOption("all");

    @Override
    public Integer call() {
        require(!regrade || verifier != null, "--regrade needs --verifier");
        TraceVerdicts verdicts = new TraceVerdicts(verifier == null ? null : Verifier.parse(verifier), regrade);
        String quarantineTable = Warehouse.checkTableName(tracesTable + "_metrics_quarantine");
        JobRun run = job.start(SelfCorrectionMetricsTable.TABLE);
        SparkSession spark = run.spark();
        Dataset<Row> traces = run.read(tracesTable, split.split());
        checkGroupColumns(traces);

        Dataset<Row> judged = verdicts.judge(traces, groupBy).cache();
        long tracesIn = judged.count();
        Dataset<Row> rejected = judged.filter(col("reason").isNotNull()).select("trace_id", "prompt_id", "reason");
        long quarantined = rejected.count();
        run.overwrite(rejected, quarantineTable, quarantined == 0);
        List<Row> accepted = judged.filter(col("reason").isNull()).collectAsList();
        int gradedColumn = groupBy.size() + 4;
        long graded = accepted.stream().mapToLong(r -> r.getInt(gradedColumn)).sum();
        judged.unpersist();

        List<Row> metrics = new ArrayList<>();
        for (Map.Entry<List<String>, List<Row>> group : byGroup(accepted).entrySet()) {
            Map<String, String> groups = null;
            if (!groupBy.isEmpty()) {
                groups = new LinkedHashMap<>();
                for (int g = 0; g < groupBy.size(); g++) {
                    groups.put(groupBy.get(g), group.getKey().get(g));
                }
            }
            List<Row> rows = group.getValue();
            Row m = SelfCorrectionMetricsTable.row(new SelfCorrectionMetricsTable.Run(null, tracesTable, tracesTable, split.split(),
                    samplesPerPrompt(rows), null, verifierText(graded), null, groups), rows);
            metrics.add(m);
            System.out.println(SelfCorrectionMetricsTable.report(m));
        }
        if (!metrics.isEmpty()) {
            run.append(spark.createDataFrame(metrics, SelfCorrectionMetricsTable.SCHEMA).coalesce(1), SelfCorrectionMetricsTable.TABLE);
        }
        if (graded > 0) {
            System.out.println(graded + " attempts graded by --verifier " + verifier);
        }
        System.out.println(run.record(tracesIn, tracesIn - quarantined, quarantined).summary());
        return 0;
    }

    /** Every --group-by name is a scalar column of the table or a key some trace's tags hold. */
    private void checkGroupColumns(Dataset<Row> traces) {
        List<String> columns = Arrays.asList(traces.columns());
        for (String name : groupBy) {
            require(!name.isBlank(), "--group-by has an empty name");
            if (columns.contains(name)) {
                require(!(traces.schema().apply(name).dataType() instanceof org.apache.spark.sql.types.ArrayType),
                        "--group-by " + name + ": a list column cannot group traces");
                continue;
            }
            boolean tagged = columns.contains("tags") && !traces.filter(col("tags").getItem(name).isNotNull()).isEmpty();
            require(tagged, "--group-by " + name + ": table " + tracesTable + " has no such column, and no trace carries a field '"
                    + name + "' (columns: " + String.join(", ", columns) + ")");
        }
    }

    /** Verdict rows (prompt_id, correct₁, correct₂) by group values, groups in order of their values. */
    private Map<List<String>, List<Row>> byGroup(List<Row> accepted) {
        Map<List<String>, List<Row>> groups = new java.util.TreeMap<>(SelfCorrectMetricsJob::compareGroups);
        int n = groupBy.size();
        for (Row row : accepted) {
            List<String> key = new ArrayList<>(n);
            for (int g = 0; g < n; g++) {
                key.add(row.getString(g));
            }
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(RowFactory.create(row.getString(n + 1),
                    row.getBoolean(n + 2), row.getBoolean(n + 3)));
        }
        return groups;
    }

    private static int compareGroups(List<String> a, List<String> b) {
        for (int i = 0; i < a.size(); i++) {
            int c = java.util.Comparator.nullsFirst(java.util.Comparator.<String>naturalOrder()).compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    /** K: the most traces any one prompt has in the group (1 for one trace per prompt). */
    private static int samplesPerPrompt(List<Row> rows) {
        Map<String, Integer> counts = new java.util.HashMap<>();
        rows.forEach(r -> counts.merge(r.getString(0), 1, Integer::sum));
        return counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    /** Where the verdicts came from, as the metrics row records it. */
    private String verifierText(long graded) {
        if (regrade) {
            return verifier;
        }
        return verifier == null || graded == 0 ? "recorded" : "recorded, else " + verifier;
    }
}
