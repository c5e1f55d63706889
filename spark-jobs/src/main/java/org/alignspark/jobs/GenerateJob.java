package org.alignspark.jobs;

import java.time.Instant;
import java.util.concurrent.Callable;

import org.alignspark.cli.BatchOption;
import org.alignspark.cli.OutputTableOption;
import org.alignspark.cli.PartitionOption;
import org.alignspark.cli.SamplingOptions;
import org.alignspark.cli.SplitOption;
import org.alignspark.cli.WarehouseOption;
import org.alignspark.generation.GenerationPlan;
import org.alignspark.generation.LogitTransformOptions;
import org.alignspark.warehouse.RunRecord;
import org.alignspark.warehouse.Warehouse;

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

    @Option(names = "--policy", required = true, description = "HF model folder to sample from.")
    String policy;

    @Option(names = "--k", defaultValue = "4", description = "Samples per prompt.")
    int k;

    @Mixin PartitionOption partition;
    @Mixin SplitOption split = SplitOption.defaultingTo("all");
    @Mixin OutputTableOption output;
    @Mixin SamplingOptions sampling = SamplingOptions.withTemperature(1.0);
    @Mixin BatchOption batch = BatchOption.defaultingTo(16);
    @Mixin LogitTransformOptions transforms;
    @Mixin WarehouseOption warehouseOption;

    @Override
    public Integer call() {
        Instant started = Instant.now();
        String table = output.table();
        String dt = partition.dt();
        Warehouse warehouse = warehouseOption.open("alignspark generate " + table);
        Dataset<Row> prompts = GenerationPlan.prompts(warehouse, promptsTable, dt, split.split());
        Dataset<Row> generated = GenerationPlan.generate(prompts, policy, k, sampling.sampling(),
                transforms.settings(warehouse.spark()), sampling.seed(), batch.batchSize()).cache();
        long n = generated.count();
        warehouse.overwritePartition(generated, table, dt, n == 0);
        generated.unpersist();
        RunRecord run = RunRecord.of("generate", table, dt, n, n, 0, started);
        run.append(warehouse);
        System.out.println(run.summary());
        return 0;
    }
}
