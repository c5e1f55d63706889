package org.alignspark.jobs;

import java.util.concurrent.Callable;

import org.alignspark.cli.JobOptions;
import org.alignspark.common.metrics.AnswerCollapse;
import org.alignspark.common.metrics.TextDiversity;
import org.alignspark.generation.SampleDiversity;
import org.alignspark.warehouse.JobRun;
import org.alignspark.warehouse.Warehouse;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
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
    @Option(names = "--input", required = true, description = "RankedResponses table (generate's output).")
    String input;

    @Option(names = "--output", description = "Output table (default: <input>_diversity).")
    String output;

    @Option(names = "--answer-pattern", description = "Regex whose last match in a response is its answer (group 1 if it has one; default: the last number, else the normalized last line).")
    String answerPattern;

    @Mixin JobOptions job;

    @Override
    public Integer call() {
        AnswerCollapse.AnswerExtractor extractor = SampleDiversity.extractor(answerPattern);
        JobRun run = job.start(Warehouse.checkOutputName(output == null ? input + "_diversity" : output));
        Dataset<Row> perPrompt = run.read(input).select("prompt_id", "responses", "reference_answer")
                .map(SampleDiversity.perPrompt(extractor), Encoders.row(SampleDiversity.SCHEMA)).cache();
        long n = perPrompt.count();
        Dataset<Row> all = perPrompt.unionByName(SampleDiversity.overall(perPrompt));
        run.overwrite(all, run.table(), false);
        Row total = run.read(run.table()).filter(col("scope").equalTo("overall")).first();
        perPrompt.unpersist();
        System.out.printf(java.util.Locale.ROOT, "%d prompts, %d samples: distinct-1 %.4f, distinct-2 %.4f, self-BLEU %.4f, "
                        + "answer collapse rate %.4f, reference accuracy %s%n", n, total.<Long>getAs("samples"),
                total.<Double>getAs("distinct_1"), total.<Double>getAs("distinct_2"), total.<Double>getAs("self_bleu"),
                total.<Double>getAs("answer_collapse"), total.<Double>getAs("reference_accuracy"));
        System.out.println(run.record(n, n, 0).summary());
        return 0;
    }
}
