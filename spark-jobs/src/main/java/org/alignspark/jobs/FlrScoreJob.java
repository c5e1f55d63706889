package org.alignspark.jobs;

import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.cli.JobOptions;
import org.alignspark.cli.OutputTableOption;
import org.alignspark.cli.LogitChunkOption;
import org.alignspark.cli.ScoringOption;
import org.alignspark.common.rewards.FollowUpLikelihoodReward;
import org.alignspark.data.avro.FlrScore;
import org.alignspark.common.lm.PrefixScoring;
import org.alignspark.flr.FollowUpScoring;
import org.alignspark.flr.FollowUps.FollowUp;
import org.alignspark.flr.FollowUps;
import org.alignspark.warehouse.AvroColumns;
import org.alignspark.train.Checkpoints;
import org.alignspark.warehouse.JobRun;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import static org.alignspark.cli.OptionChecks.require;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;

/**
 * {@code flr-score}: Follow-up Likelihood as Reward (Zhang et al., arXiv 2409.13948; docs/spec-data-side.md §1). For each
 * response y to prompt x, the scorer LM reads the conversation and each follow-up f the user might say next;
 * l(f | x, y) is the token-mean log-prob of f's tokens (end of turn included by default), and
 * FLR = mean over positive follow-ups − mean over negative ones, overall and per category. The paper's exact
 * aggregation was not found: this is the spec's stated reading (common's {@link FollowUpLikelihoodReward}). The
 * "Direct" baseline, the response's own token-mean log-likelihood, is written beside it. All follow-ups of a response
 * are scored in one forward pass after the shared conversation, computed once and its keys and values cached
 * ({@code --scoring prefix-cache}), or behind a copy of it per follow-up ({@code --scoring batched}). With prefix-cache
 * and the standard template, the Direct baseline is read from that same pass over the conversation.
 */
@Command(name = "flr-score", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Score responses by the likelihood of positive vs negative user follow-ups (FLR), and the Direct baseline.")
public final class FlrScoreJob implements Callable<Integer> {
    @Option(names = "--responses", required = true,
            description = "Table of responses: RankedResponses (generate, candidates), PreferencePair (both sides) or RatedResponse.")
    String responsesTable;

    @Option(names = "--scorer", required = true, description = "HF model folder of the scorer LM.")
    String scorer;

    @Option(names = "--follow-ups", defaultValue = "default",
            description = "YAML or JSON file: {category: {positive: [...], negative: [...]}}, or a bundled set: default (six categories) "
                    + "or demo-world (the demo world's users).")
    String followUpsFile;

    @Option(names = "--template", defaultValue = "standard",
            description = "standard: user x / assistant y / user f. role-swapped (a scorer fine-tuned on feedback): "
                    + "user <feedback request> / assistant x / user y / assistant f.")
    String template;

    @Option(names = "--feedback-request", defaultValue = FollowUpLikelihoodReward.FEEDBACK_REQUEST,
            description = "Opening user turn of the role-swapped template (the FLR code's, by default); use the one the scorer was fine-tuned with.")
    String feedbackRequest;

    @Option(names = "--include-end-of-turn", defaultValue = "true", arity = "1", showDefaultValue = CommandLine.Help.Visibility.ALWAYS,
            description = "Score the follow-up's end-of-turn tokens too.")
    boolean includeEndOfTurn;

    @Option(names = "--follow-up-batch", defaultValue = "0",
            description = "Follow-ups scored per forward pass behind one conversation (0: all of them at once; 1: one at a time).")
    int followUpBatch;

    @Option(names = "--aggregation", defaultValue = "pooled", description = "pooled: means over all follow-ups; category-mean: mean of per-category FLR.")
    String aggregation;

    @Mixin JobOptions job;
    @Mixin OutputTableOption output;
    @Mixin ScoringOption scoring = new ScoringOption(PrefixScoring.PREFIX_CACHE);
    @Mixin LogitChunkOption logitChunks;

    @Override
    public Integer call() {
        require(template.equals("standard") || template.equals("role-swapped"), "--template must be standard or role-swapped");
        FollowUpLikelihoodReward.Aggregation agg = FollowUpLikelihoodReward.Aggregation.valueOf(aggregation.toUpperCase().replace('-', '_'));
        PrefixScoring scoringMode = scoring.scoring();
        List<FollowUp> followUps = FollowUps.read(followUpsFile);
        Checkpoints.checkModelFolder("--scorer", scorer);   // on the driver: a bad folder fails once, not in every task
        JobRun run = job.start(output.table());
        // A RankedResponses row carries K responses, all scored in the task that reads it: spread the responses over
        // several tasks per core, so no core idles while another works through the longest file, and the last tasks
        // (one core busy, the other done) are short.
        int tasks = 8 * run.spark().sparkContext().defaultParallelism();
        Dataset<Row> responses = responses(run.read(responsesTable)).repartition(tasks);
        Dataset<Row> scores = AvroColumns.mapPartitions(responses, FollowUpScoring.score(scorer, followUps,
                template.equals("role-swapped") ? feedbackRequest : null, includeEndOfTurn, agg, followUpBatch,
                scoringMode, logitChunks.tokens()), FlrScore.getClassSchema()).cache();
        long n = scores.count();
        run.overwrite(scores, run.table(), n == 0);
        scores.unpersist();
        System.out.println(run.record(n, n, 0).summary());
        return 0;
    }

    /**
     * The responses to score, (prompt_id, prompt, source, split, response_id, response), from a RankedResponses table
     * (every response), a PreferencePair table (chosen as {@code <pair_id>:chosen}, rejected as
     * {@code <pair_id>:rejected}) or a RatedResponse table (response_id = rating_id).
     */
    static Dataset<Row> responses(Dataset<Row> table) {
        List<String> columns = List.of(table.columns());
        Column[] keys = {col("prompt_id"), col("prompt"), col("source"), col("split")};
        if (columns.contains("responses")) {
            return table.select(col("prompt_id"), col("prompt"), col("source"), col("split"), explode(col("responses")).as("r"))
                    .select(col("prompt_id"), col("prompt"), col("source"), col("split"), col("r.response_id").as("response_id"),
                            col("r.text").as("response"));
        }
        if (columns.contains("chosen") && columns.contains("rejected")) {
            Dataset<Row> chosen = table.select(concatKeys(keys, functions.concat(col("pair_id"), lit(":chosen")), col("chosen")));
            Dataset<Row> rejected = table.select(concatKeys(keys, functions.concat(col("pair_id"), lit(":rejected")), col("rejected")));
            return chosen.union(rejected);
        }
        if (columns.contains("rating_id")) {
            return table.select(concatKeys(keys, col("rating_id"), col("response")));
        }
        throw new IllegalArgumentException("--responses must be a RankedResponses, PreferencePair or RatedResponse table");
    }

    private static Column[] concatKeys(Column[] keys, Column responseId, Column response) {
        Column[] all = java.util.Arrays.copyOf(keys, keys.length + 2);
        all[keys.length] = responseId.as("response_id");
        all[keys.length + 1] = response.as("response");
        return all;
    }
}
