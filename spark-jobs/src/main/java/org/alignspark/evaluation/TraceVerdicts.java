package org.alignspark.evaluation;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.alignspark.common.selfcorrect.Verifier;

import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import static org.apache.spark.sql.functions.col;

/**
 * The two verdicts of each ingested self-correction trace (attempt 1 and attempt 2; later attempts are not read), with
 * the values of the columns its metrics are grouped by. A verdict comes from the trace's own {@code correct} field;
 * where that is missing (or {@code regrade} is set) the {@link Verifier} grades the attempt's text against the
 * reference answer. A trace that cannot be judged gets a reason instead of verdicts, for the quarantine table.
 *
 * @param verifier grades attempts without a recorded verdict; null: such traces are quarantined
 * @param regrade  grade every attempt with {@code verifier}, ignoring recorded verdicts
 */
public record TraceVerdicts(Verifier verifier, boolean regrade) implements Serializable {
    public TraceVerdicts {
        if (regrade && verifier == null) {
            throw new IllegalArgumentException("regrading needs a verifier");
        }
    }

    /**
     * One row per trace: the group values (as text, in {@code groupBy}'s order, null where a trace lacks one), then
     * trace_id, prompt_id, correct_first, correct_second, graded (how many of the two the verifier graded) and reason
     * (null when judged). A name in {@code groupBy} is a top-level column of the traces table or, failing that, a key of
     * its {@code tags} map (the input's extra fields, such as model or dataset).
     */
    public Dataset<Row> judge(Dataset<Row> traces, List<String> groupBy) {
        List<String> columns = Arrays.asList(traces.columns());
        List<Column> selected = new ArrayList<>();
        StructType schema = new StructType();
        for (int g = 0; g < groupBy.size(); g++) {
            String name = groupBy.get(g);
            Column value = columns.contains(name) ? col(name) : col("tags").getItem(name);
            selected.add(value.cast(DataTypes.StringType).as("group_" + g));
            schema = schema.add("group_" + g, DataTypes.StringType, true);
        }
        for (String name : List.of("trace_id", "prompt_id", "reference_answer", "attempts")) {
            selected.add(col(name));
        }
        schema = schema.add("trace_id", DataTypes.StringType, false).add("prompt_id", DataTypes.StringType, false)
                .add("correct_first", DataTypes.BooleanType, true).add("correct_second", DataTypes.BooleanType, true)
                .add("graded", DataTypes.IntegerType, false).add("reason", DataTypes.StringType, true);
        int groups = groupBy.size();
        return traces.select(selected.toArray(Column[]::new)).map((MapFunction<Row, Row>) row -> judgeRow(row, groups),
                Encoders.row(schema));
    }

    private Row judgeRow(Row row, int groups) {
        List<Object> out = new ArrayList<>(groups + 6);
        for (int g = 0; g < groups; g++) {
            out.add(row.get(g));
        }
        out.add(row.getString(groups));
        out.add(row.getString(groups + 1));
        String reference = row.getString(groups + 2);
        List<Row> attempts = row.getList(groups + 3);
        Boolean[] verdicts = new Boolean[2];
        int graded = 0;
        String reason = attempts.size() < 2 ? "trace has " + attempts.size() + " attempt; two are needed" : null;
        for (int i = 0; i < 2 && reason == null; i++) {
            Row attempt = attempts.get(i);
            verdicts[i] = regrade ? null : attempt.getAs("correct");
            if (verdicts[i] != null) {
                continue;
            }
            if (verifier == null) {
                reason = "attempt " + (i + 1) + " has no verdict ('correct'); give --verifier to grade it";
            } else if (verifier.rejectReference(reference) != null) {
                reason = "attempt " + (i + 1) + " cannot be graded: " + verifier.rejectReference(reference);
            } else {
                verdicts[i] = verifier.judge(attempt.getAs("text"), reference).correct();
                graded++;
            }
        }
        if (reason != null) {
            verdicts[0] = null;
            verdicts[1] = null;
        }
        out.add(verdicts[0]);
        out.add(verdicts[1]);
        out.add(graded);
        out.add(reason);
        return RowFactory.create(out.toArray());
    }
}
