package org.alignspark.jobs;

import java.util.concurrent.Callable;

import org.alignspark.cli.BatchOption;
import org.alignspark.cli.JobOptions;
import org.alignspark.cli.OutputTableOption;
import org.alignspark.cli.PolicyOption;
import org.alignspark.cli.SamplingOptions;
import org.alignspark.cli.SplitOption;
import org.alignspark.generation.GenerationPlan;
import org.alignspark.generation.LogitTransformOptions;
import org.alignspark.warehouse.JobRun;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code generate}: K sampled responses per prompt from a policy checkpoint, written as RankedResponses rows. Sample k
 * of a prompt draws from a seed derived from (--seed, prompt_id, k), so a re-run or a retried task writes the same
 * text; the model is loaded once per executor, and prompts are sorted by length before batching.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Sample K responses per prompt from a policy into a RankedResponses table.",
                "Decoding-time logit transforms: STEER contrastive expert guidance (--guidance-*) and negative prompting "
                        + "(--negative-*), weak-to-strong logit fusion (--fusion-*); their settings are recorded in each row's source."})
public final class GenerateJob implements Callable<Integer> {
    @Option(names = "--prompts", required = true, description = "Any table with prompt_id and prompt (pairs, candidates, feedback...).")
    String promptsTable;

    @Option(names = "--k", defaultValue = "4", description = "Samples per prompt.")
    int k;

    @Mixin JobOptions job;
    @Mixin PolicyOption policyOption;
    @Mixin SplitOption split = new SplitOption("all");
    @Mixin OutputTableOption output;
    @Mixin SamplingOptions sampling = SamplingOptions.withTemperature(1.0);
    @Mixin BatchOption batch = new BatchOption(16);
    @Mixin LogitTransformOptions transforms;

    @Override
    public Integer call() {
        String policy = policyOption.policy();
        JobRun run = job.start(output.table());
        Dataset<Row> prompts = GenerationPlan.prompts(run.read(promptsTable, split.split()));
        Dataset<Row> generated = GenerationPlan.generate(prompts, policy, k, sampling.sampling(),
                transforms.settings(run.spark()), sampling.seed(), batch.batchSize()).cache();
        long n = generated.count();
        run.overwrite(generated, run.table(), n == 0);
        generated.unpersist();
        System.out.println(run.record(n, n, 0).summary());
        return 0;
    }
}
