package org.alignspark.evaluation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.alignspark.common.metrics.Proportion;
import org.alignspark.common.metrics.SelfCorrectionMetrics;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code self_correction_metrics} table: one row per evaluation of two-attempt traces (per group of them, where the
 * traces were grouped), with Acc@t1, Acc@t2, Δ, Δ^{i→c}, Δ^{c→i} (SCoRe) and CL, CS, RSS (Confidence v.s. Critique),
 * counts and 95% Wilson intervals, pooled over the traces; with K &gt; 1 samples per prompt also the per-question
 * sampled estimator of the Confidence-v.s.-Critique code. {@code self-correct-eval} writes it for the attempts it
 * generates, {@code self-correct-metrics} for traces made elsewhere; both through {@link #row}.
 */
public final class SelfCorrectionMetricsTable {
    public static final String TABLE = "self_correction_metrics";

    private SelfCorrectionMetricsTable() {}

    /**
     * What was evaluated, as the row records it. {@code policy}, {@code temperature} and {@code instruction} are null
     * where the traces do not say (traces made elsewhere); {@code groups} holds the grouping columns' values of this
     * row's traces, null when they were not grouped.
     */
    public record Run(String policy, String promptsTable, String tracesTable, String split, int k, Double temperature,
                      String verifier, String instruction, Map<String, String> groups) {
        /** A run of self-correct-eval: one policy, all its traces pooled. */
        public Run(String policy, String promptsTable, String tracesTable, String split, int k, double temperature,
                   String verifier, String instruction) {
            this(policy, promptsTable, tracesTable, split, k, (Double) temperature, verifier, instruction, null);
        }
    }

    public static final StructType SCHEMA = StructType.fromDDL("""
            policy STRING, prompts_table STRING NOT NULL, traces_table STRING NOT NULL,
            split STRING NOT NULL, k INT NOT NULL, temperature DOUBLE, verifier STRING NOT NULL,
            instruction STRING, groups MAP<STRING, STRING>, problems BIGINT NOT NULL, correct_to_correct BIGINT NOT NULL,
            correct_to_incorrect BIGINT NOT NULL, incorrect_to_correct BIGINT NOT NULL,
            incorrect_to_incorrect BIGINT NOT NULL, acc_t1 DOUBLE, acc_t1_low DOUBLE, acc_t1_high DOUBLE,
            acc_t2 DOUBLE, acc_t2_low DOUBLE, acc_t2_high DOUBLE, delta DOUBLE, delta_i2c DOUBLE,
            delta_i2c_low DOUBLE, delta_i2c_high DOUBLE, delta_c2i DOUBLE, delta_c2i_low DOUBLE,
            delta_c2i_high DOUBLE, cl DOUBLE, cl_low DOUBLE, cl_high DOUBLE, cs DOUBLE, cs_low DOUBLE, cs_high DOUBLE,
            rss DOUBLE, sampled_acc_t1 DOUBLE, sampled_acc_t2 DOUBLE, sampled_cl DOUBLE, sampled_cs DOUBLE,
            sampled_rss DOUBLE, evaluated_at TIMESTAMP NOT NULL""");

    /** The metrics row of verdict rows (prompt_id, correct₁, correct₂), one per trace, for the run that {@code run} describes. */
    public static Row row(Run run, List<Row> verdicts) {
        boolean[] c1 = new boolean[verdicts.size()];
        boolean[] c2 = new boolean[verdicts.size()];
        Map<String, List<boolean[]>> byPrompt = new TreeMap<>();
        for (int i = 0; i < verdicts.size(); i++) {
            c1[i] = verdicts.get(i).getBoolean(1);
            c2[i] = verdicts.get(i).getBoolean(2);
            byPrompt.computeIfAbsent(verdicts.get(i).getString(0), p -> new ArrayList<>()).add(new boolean[] {c1[i], c2[i]});
        }
        SelfCorrectionMetrics m = SelfCorrectionMetrics.fromTraces(c1, c2);
        List<Object> values = new ArrayList<>(java.util.Arrays.asList(run.policy(), run.promptsTable(), run.tracesTable(), run.split(), run.k(), run.temperature(),
                run.verifier(), run.instruction(),
                run.groups() == null ? null : scala.collection.JavaConverters.mapAsScalaMapConverter(run.groups()).asScala(),
                m.problems(), m.correctToCorrect(), m.correctToIncorrect(), m.incorrectToCorrect(), m.incorrectToIncorrect()));
        addWithInterval(values, m.accuracyFirst());
        addWithInterval(values, m.accuracySecond());
        values.add(m.delta());
        addWithInterval(values, m.incorrectToCorrectShare());
        addWithInterval(values, m.correctToIncorrectShare());
        addWithInterval(values, m.confidenceLevel());
        addWithInterval(values, m.critiqueScore());
        values.add(nullIfNaN(m.relativeSelfCorrectionScore()));
        if (run.k() > 1) {
            boolean[][] first = new boolean[byPrompt.size()][];
            boolean[][] second = new boolean[byPrompt.size()][];
            int q = 0;
            for (List<boolean[]> samples : byPrompt.values()) {
                first[q] = new boolean[samples.size()];
                second[q] = new boolean[samples.size()];
                for (int s = 0; s < samples.size(); s++) {
                    first[q][s] = samples.get(s)[0];
                    second[q][s] = samples.get(s)[1];
                }
                q++;
            }
            SelfCorrectionMetrics.Estimate e = SelfCorrectionMetrics.estimateFromSamples(first, second);
            values.addAll(java.util.Arrays.asList(e.accuracyFirst(), e.accuracySecond(), nullIfNaN(e.confidenceLevel()),
                    nullIfNaN(e.critiqueScore()), nullIfNaN(e.relativeSelfCorrectionScore())));
        } else {
            values.addAll(java.util.Arrays.asList(null, null, null, null, null));
        }
        values.add(java.sql.Timestamp.from(Instant.now()));
        return new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(values.toArray(), SCHEMA);
    }

    private static void addWithInterval(List<Object> values, Proportion p) {
        values.add(nullIfNaN(p.value()));
        Proportion.Interval ci = p.wilson95();
        values.add(p.trials() == 0 ? null : ci.lower());
        values.add(p.trials() == 0 ? null : ci.upper());
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }

    /** The metrics row as a small table for the console. */
    public static String report(Row m) {
        Map<String, String> groups = m.getJavaMap(m.fieldIndex("groups"));
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "self-correction of %s on %s%s (split %s, k=%d, %d traces: c→c %d, c→i %d, i→c %d, i→i %d)%n",
                m.getAs("policy") == null ? "traces" : m.getAs("policy"), m.getAs("prompts_table"),
                groups == null ? "" : " " + new TreeMap<>(groups), m.getAs("split"), m.<Integer>getAs("k"), m.<Long>getAs("problems"),
                m.<Long>getAs("correct_to_correct"), m.<Long>getAs("correct_to_incorrect"),
                m.<Long>getAs("incorrect_to_correct"), m.<Long>getAs("incorrect_to_incorrect")));
        for (String[] line : new String[][] {{"Acc@t1", "acc_t1"}, {"Acc@t2", "acc_t2"}, {"Δ(t1,t2)", "delta"},
                {"Δ i→c", "delta_i2c"}, {"Δ c→i", "delta_c2i"}, {"CL", "cl"}, {"CS", "cs"}, {"RSS", "rss"}}) {
            Double value = m.getAs(line[1]);
            List<String> fields = List.of(m.schema().fieldNames());
            String ci = fields.contains(line[1] + "_low") && m.getAs(line[1] + "_low") != null
                    ? String.format(Locale.ROOT, "  [%.3f, %.3f]", m.<Double>getAs(line[1] + "_low"), m.<Double>getAs(line[1] + "_high")) : "";
            out.append(String.format(Locale.ROOT, "  %-9s %s%s%n", line[0], value == null ? "n/a" : String.format(Locale.ROOT, "%.3f", value), ci));
        }
        return out.toString();
    }

}
