package org.alignspark.jobs;

import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.cli.BatchOption;
import org.alignspark.cli.JobOptions;
import org.alignspark.cli.OutputTableOption;
import org.alignspark.cli.LogitChunkOption;
import org.alignspark.cli.ScoringOption;
import org.alignspark.common.lm.PrefixScoring;
import org.alignspark.common.lm.checkpoint.AdapterCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.train.ReferenceLogProbs;
import org.alignspark.warehouse.JobRun;
import org.alignspark.warehouse.RunRecord;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lead;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * {@code ref-logprobs}: the frozen reference model's summed log-probs, computed once and stored next to the rows so
 * policy training never holds the reference model (docs/design.md decision 5). The input's shape picks what is added:
 * <ul>
 *   <li>PreferencePair: {@code ref_logp_chosen}, {@code ref_logp_rejected}, {@code chosen_tokens}, {@code rejected_tokens};
 *       with {@code --token-logps} also {@code ref_token_logps_chosen} and {@code ref_token_logps_rejected}, the
 *       per-token log-probs that LD-DPO ({@code train-dpo --ld-alpha}) splits at the shorter completion's length;</li>
 *   <li>BinaryFeedback: {@code ref_logp}, {@code completion_tokens}, and for KTO's KL reference point a mismatched
 *       completion {@code kl_completion} (see {@link #withMismatchedCompletions}) with {@code ref_logp_kl}; with
 *       {@code --prompt-embeddings} also {@code prompt_embedding} for BCO's density-ratio classifier;</li>
 *   <li>RankedResponses: {@code ref_logps} and {@code response_tokens}, one per response in the list's order.</li>
 * </ul>
 */
@Command(name = "ref-logprobs", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Add the reference model's log-probs to a pair, binary-feedback or ranked-responses table.")
public final class RefLogprobsJob implements Callable<Integer> {
    /** Rows per group inside which KTO's mismatched completions are rotated (see withMismatchedCompletions). */
    static final int KL_GROUP_ROWS = 1024;

    @Option(names = {"--input", "--pairs"}, required = true,
            description = "PreferencePair, BinaryFeedback or RankedResponses table (the columns tell which).")
    String inputTable;

    @Option(names = "--reference-model", required = true, description = "HF model folder of the frozen reference policy.")
    String referenceModel;

    @Option(names = "--kl-seed", defaultValue = "42",
            description = "BinaryFeedback: seeds the shuffle that gives each example the mismatched completion of KTO's KL term.")
    long klSeed;

    @Option(names = "--prompt-embeddings", description = "BinaryFeedback: also store prompt_embedding, the mean final hidden "
            + "state of the prompt under the reference model (input to train-policy --bco-density-ratio).")
    boolean promptEmbeddings;

    @Option(names = "--token-logps", description = "PreferencePair: also store ref_token_logps_chosen/_rejected, each completion "
            + "token's log-prob (input to train-dpo --ld-alpha, LD-DPO).")
    boolean tokenLogps;

    @Mixin JobOptions job;
    @Mixin OutputTableOption output;
    @Mixin BatchOption batch = new BatchOption(8);
    @Mixin ScoringOption scoring = new ScoringOption(PrefixScoring.BATCHED);
    @Mixin LogitChunkOption logitChunks;

    @Override
    public Integer call() {
        int batchSize = batch.batchSize();
        String referenceModel = reference();
        JobRun run = job.start(output.table());
        Dataset<Row> input = run.read(inputTable);
        List<String> columns = List.of(input.columns());
        Dataset<Row> joined;
        if (columns.contains("chosen") && columns.contains("rejected")) {
            Dataset<Row> scores = input.select("pair_id", "prompt", "chosen", "rejected")
                    .mapPartitions(ReferenceLogProbs.score(referenceModel, batchSize, tokenLogps, scoring.scoring(), logitChunks.tokens()),
                            Encoders.row(tokenLogps ? ReferenceLogProbs.TOKEN_SCORES : ReferenceLogProbs.SCORES));
            joined = input.join(scores, "pair_id");
        } else if (columns.contains("completion") && columns.contains("label")) {
            Dataset<Row> rows = withMismatchedCompletions(input, klSeed);
            Dataset<Row> scores = rows.select("example_id", "prompt", "completion", "kl_completion")
                    .mapPartitions(ReferenceLogProbs.scoreFeedback(referenceModel, batchSize, promptEmbeddings, logitChunks.tokens()),
                            Encoders.row(ReferenceLogProbs.FEEDBACK_SCORES));
            joined = rows.join(scores, "example_id");
            if (!promptEmbeddings) {
                joined = joined.drop("prompt_embedding");
            }
        } else if (columns.contains("responses")) {
            Dataset<Row> scores = input.select("list_id", "prompt", "responses")
                    .mapPartitions(ReferenceLogProbs.scoreLists(referenceModel, batchSize, scoring.scoring(), logitChunks.tokens()), Encoders.row(ReferenceLogProbs.LIST_SCORES));
            joined = input.join(scores, "list_id");
        } else {
            throw new IllegalArgumentException("table " + inputTable + " has columns " + columns + "; expected a PreferencePair "
                    + "(chosen, rejected), BinaryFeedback (completion, label) or RankedResponses (responses) table");
        }
        joined = joined.withColumn("reference_model", lit(referenceModel));
        long n = input.count();
        run.overwrite(joined, run.table(), n == 0);
        RunRecord record = run.record(n, run.warehouse().hasPartition(run.table(), run.dt()) ? run.read(run.table()).count() : 0, 0);
        System.out.println(record.summary());
        return record.balanced() ? 0 : 1;
    }

    /**
     * The folder scored: {@code --reference-model}, or for a LoRA adapter folder its base without the adapters, the
     * reference TRL's DPO, KTO and BCO trainers use with PEFT (the policy with its adapters disabled); said on stdout and
     * recorded in the reference_model column.
     */
    private String reference() {
        if (!AdapterCheckpoint.isAdapter(referenceModel)) {
            return referenceModel;
        }
        String base = AdapterCheckpoint.baseLocation(referenceModel,
                AdapterCheckpoint.readConfig(ModelFolder.of(referenceModel)), null);
        System.out.println("ref-logprobs: " + referenceModel + " is a LoRA adapter folder; the reference is its base " + base
                + " without the adapters (as TRL with PEFT)");
        return base;
    }

    /**
     * Adds {@code kl_completion}: another example's completion, for KTO's KL reference point z₀.
     * <p>
     * TRL ({@code kto_trainer.py::_get_kl_dataset}) rotates completions by one inside each per-device batch at
     * dataset-preparation time, so the KL rows of a minibatch are that minibatch's own prompts with their neighbours'
     * completions. Here training reads stored reference log-probs, so the pairing has to be fixed before training and
     * cannot follow the training job's minibatches (their composition depends on the worker count and the epoch's
     * shuffle). The same +1 rotation is applied instead to a seeded shuffle: rows are hashed with {@code seed} into
     * groups of about {@link #KL_GROUP_ROWS} within their split, ordered by the hash inside the group, and each row
     * takes the completion of the next row (the last takes the first's). Training then uses exactly these rows: each
     * minibatch's z₀ is the mean over its examples of log π_θ(y'|x) − log π_ref(y'|x) on these pairs. What z₀ estimates
     * — KL(π_θ ‖ π_ref) on prompts and completions drawn independently — is the same under either pairing. The pairing
     * depends only on the seed and the example ids, not on Spark's partitioning. A group of one row (a split with a
     * single example) pairs the row with its own completion.
     */
    static Dataset<Row> withMismatchedCompletions(Dataset<Row> rows, long seed) {
        long n = rows.count();
        long groups = Math.max(1, (n + KL_GROUP_ROWS - 1) / KL_GROUP_ROWS);
        Dataset<Row> keyed = rows.withColumn("_kl_key", xxhash64(lit(seed), col("example_id")))
                .withColumn("_kl_group", pmod(col("_kl_key"), lit(groups)));
        WindowSpec order = Window.partitionBy("split", "_kl_group").orderBy("_kl_key", "example_id");
        return keyed.withColumn("kl_completion", coalesce(lead("completion", 1).over(order), first("completion").over(order)))
                .drop("_kl_key", "_kl_group");
    }
}
