package org.alignspark.generation;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.alignspark.common.metrics.AnswerCollapse;
import org.alignspark.common.metrics.TextDiversity;

import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * How diverse the K samples of each prompt of a RankedResponses table are (TextDiversity, AnswerCollapse in common),
 * as a Dataset plan: one {@code prompt} row per prompt and an {@code overall} row, for {@code diversity} and
 * {@code guidance-sweep}. A metric with nothing to measure (no word bigram in any response) is null, never NaN.
 */
public final class SampleDiversity {
    public static final StructType SCHEMA = StructType.fromDDL("""
            scope STRING NOT NULL, prompt_id STRING, samples BIGINT NOT NULL, distinct_1 DOUBLE, distinct_2 DOUBLE,
            self_bleu DOUBLE, distinct_answers DOUBLE, answer_collapse DOUBLE, reference_accuracy DOUBLE""");

    private SampleDiversity() {}

    /** The default extractor, or the last match of {@code pattern} (group 1 when the pattern has a group; "" without a match). */
    public static AnswerCollapse.AnswerExtractor extractor(String pattern) {
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
    public static MapFunction<Row, Row> perPrompt(AnswerCollapse.AnswerExtractor extractor) {
        return row -> {
            List<String> texts = new ArrayList<>();
            for (Row r : row.<Row>getList(row.fieldIndex("responses"))) {
                texts.add(r.getAs("text"));
            }
            return metrics(row.getAs("prompt_id"), texts, row.getAs("reference_answer"), extractor);
        };
    }

    public static Row metrics(String promptId, List<String> texts, String reference, AnswerCollapse.AnswerExtractor extractor) {
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
    public static Dataset<Row> overall(Dataset<Row> perPrompt) {
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
