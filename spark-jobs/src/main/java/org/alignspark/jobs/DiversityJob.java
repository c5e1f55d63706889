package org.alignspark.jobs;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.alignspark.common.metrics.AnswerCollapse;
import org.alignspark.common.metrics.TextDiversity;
import org.alignspark.spark.RunRecord;
import org.alignspark.spark.Warehouse;
import org.alignspark.spark.WarehouseOption;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * {@code diversity}: how diverse the K samples of each prompt of a RankedResponses table are (TextDiversity,
 * AnswerCollapse in common). Writes {@code <output>} with one row per prompt (scope {@code prompt}) and one
 * {@code overall} row:
 * <ul>
 *   <li>{@code samples}: responses (overall: all responses)</li>
 *   <li>{@code distinct_1}, {@code distinct_2}: distinct-n of the prompt's responses (overall: mean over prompts)</li>
 *   <li>{@code self_bleu}: self-BLEU-4 of the prompt's responses, null with one response (overall: mean)</li>
 *   <li>{@code distinct_answers}: answers given, by the answer extractor (overall: mean)</li>
 *   <li>{@code answer_collapse}: 1 when K ≥ 2 responses give one answer, else 0; null with one response (overall:
 *       the collapse rate, the share of prompts with K ≥ 2 that collapsed)</li>
 *   <li>{@code reference_accuracy}: share of responses stating the reference answer, null without one (overall:
 *       over all responses of prompts with a reference)</li>
 * </ul>
 * A metric with nothing to measure (no word bigram in any response) is null, never NaN.
 */
@Command(name = "diversity", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Diversity of each prompt's K samples (distinct-1/2, self-BLEU, answer collapse) and overall, into <output>.")
public final class DiversityJob implements Callable<Integer> {
    static final StructType SCHEMA = new StructType()
            .add("scope", DataTypes.StringType, false)
            .add("prompt_id", DataTypes.StringType, true)
            .add("samples", DataTypes.LongType, false)
            .add("distinct_1", DataTypes.DoubleType, true)
            .add("distinct_2", DataTypes.DoubleType, true)
            .add("self_bleu", DataTypes.DoubleType, true)
            .add("distinct_answers", DataTypes.DoubleType, true)
            .add("answer_collapse", DataTypes.DoubleType, true)
            .add("reference_accuracy", DataTypes.DoubleType, true);

    @Option(names = "--input", required = true, description = "RankedResponses table (generate's output).")
    String input;

    @Option(names = "--dt", required = true, description = "Partition of the input and of the output, YYYY-MM-DD.")
    String dt;

    @Option(names = "--output", description = "Output table (default: <input>_diversity).")
    String output;

    @Option(names = "--answer-pattern", description = "Regex whose last match in a response is its answer (group 1 if it has one; default: the last number, else the normalized last line).")
    String answerPattern;

    @Mixin
    WarehouseOption warehouseOption;

    @Override
    public Integer call() {
        Instant started = Instant.now();
        String table = output == null ? input + "_diversity" : output;
        Warehouse.checkTableName(table);
        AnswerCollapse.AnswerExtractor extractor = extractor(answerPattern);
        Warehouse warehouse = warehouseOption.open("alignspark diversity " + table);
        Dataset<Row> perPrompt = warehouse.partition(input, dt).select("prompt_id", "responses", "reference_answer")
                .map(perPrompt(extractor), Encoders.row(SCHEMA)).cache();
        long n = perPrompt.count();
        Dataset<Row> all = perPrompt.unionByName(overall(perPrompt));
        warehouse.overwritePartition(all, table, dt, false);
        Row total = warehouse.partition(table, dt).filter(col("scope").equalTo("overall")).first();
        perPrompt.unpersist();
        System.out.printf(java.util.Locale.ROOT, "%d prompts, %d samples: distinct-1 %.4f, distinct-2 %.4f, self-BLEU %.4f, "
                        + "answer collapse rate %.4f, reference accuracy %s%n", n, total.<Long>getAs("samples"),
                total.<Double>getAs("distinct_1"), total.<Double>getAs("distinct_2"), total.<Double>getAs("self_bleu"),
                total.<Double>getAs("answer_collapse"), total.<Double>getAs("reference_accuracy"));
        RunRecord run = new RunRecord(RunRecord.newRunId("diversity"), "diversity", table, dt, n, n, 0, 0, 0, started, Instant.now());
        run.append(warehouse.spark(), warehouse);
        System.out.println(run.summary());
        return 0;
    }

    /** The default extractor, or the last match of {@code pattern} (group 1 when the pattern has a group; "" without a match). */
    static AnswerCollapse.AnswerExtractor extractor(String pattern) {
        if (pattern == null) {
            return AnswerCollapse.FINAL_NUMBER_OR_LINE;
        }
        Pattern compiled = Pattern.compile(pattern);
        return response -> {
            Matcher m = compiled.matcher(response);
            String last = "";
            while (m.find()) {
                last = m.groupCount() > 0 ? m.group(1) : m.group();
            }
            return AnswerCollapse.normalized(last);
        };
    }

    /** (prompt_id, responses, reference_answer) → a {@code prompt} row of {@link #SCHEMA}. */
    static MapFunction<Row, Row> perPrompt(AnswerCollapse.AnswerExtractor extractor) {
        return row -> {
            List<String> texts = new ArrayList<>();
            for (Row r : row.<Row>getList(row.fieldIndex("responses"))) {
                texts.add(r.getAs("text"));
            }
            return metrics(row.getAs("prompt_id"), texts, row.getAs("reference_answer"), extractor);
        };
    }

    static Row metrics(String promptId, List<String> texts, String reference, AnswerCollapse.AnswerExtractor extractor) {
        List<List<String>> words = texts.stream().map(TextDiversity::words).toList();
        Double accuracy = null;
        if (reference != null && !reference.isBlank()) {
            accuracy = texts.stream().filter(t -> AnswerCollapse.statesReference(t, reference)).count() / (double) texts.size();
        }
        return RowFactory.create("prompt", promptId, (long) texts.size(), orNull(TextDiversity.distinctN(words, 1)),
                orNull(TextDiversity.distinctN(words, 2)), orNull(TextDiversity.selfBleu(words)),
                (double) AnswerCollapse.distinctAnswers(texts, extractor),
                texts.size() < 2 ? null : AnswerCollapse.collapsed(texts, extractor) ? 1.0 : 0.0, accuracy);
    }

    /** The {@code overall} row of per-prompt rows, as the class comment defines it. */
    static Dataset<Row> overall(Dataset<Row> perPrompt) {
        return perPrompt.agg(sum("samples").as("samples"), avg("distinct_1").as("distinct_1"),
                        avg("distinct_2").as("distinct_2"), avg("self_bleu").as("self_bleu"),
                        avg("distinct_answers").as("distinct_answers"), avg("answer_collapse").as("answer_collapse"),
                        sum(col("reference_accuracy").multiply(col("samples"))).divide(
                                sum(when(col("reference_accuracy").isNotNull(), col("samples")))).as("reference_accuracy"),
                        count(lit(1)).as("prompts"))
                .select(lit("overall").as("scope"), lit(null).cast("string").as("prompt_id"),
                        org.apache.spark.sql.functions.coalesce(col("samples"), lit(0L)).as("samples"),
                        col("distinct_1"), col("distinct_2"), col("self_bleu"), col("distinct_answers"),
                        col("answer_collapse"), col("reference_accuracy"));
    }

    private static Double orNull(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
