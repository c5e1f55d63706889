package org.alignspark.jobs;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.sft.CompletionLogProbs;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.spark.Batches;
import org.alignspark.spark.ExecutorModels;
import org.alignspark.spark.ModelRows;
import org.alignspark.spark.RunRecord;
import org.alignspark.spark.Warehouse;
import org.alignspark.spark.WarehouseOption;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.apache.spark.sql.functions.lit;

/**
 * {@code ref-logprobs}: the frozen reference model's summed log-probs of each pair's chosen and rejected completions,
 * computed once and stored next to the pairs ({@code ref_logp_chosen}, {@code ref_logp_rejected} and token counts),
 * so policy training never holds the reference model (DESIGN.md decision 5).
 */
@Command(name = "ref-logprobs", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Add the reference model's log-probs of chosen and rejected to a pair table.")
public final class RefLogprobsJob implements Callable<Integer> {
    static final StructType SCORES = new StructType()
            .add("pair_id", DataTypes.StringType, false)
            .add("ref_logp_chosen", DataTypes.DoubleType, false)
            .add("ref_logp_rejected", DataTypes.DoubleType, false)
            .add("chosen_tokens", DataTypes.IntegerType, false)
            .add("rejected_tokens", DataTypes.IntegerType, false);

    @Option(names = "--pairs", required = true, description = "PreferencePair table.")
    String pairsTable;

    @Option(names = "--dt", required = true, description = "Partition of the pair table and of the output, YYYY-MM-DD.")
    String dt;

    @Option(names = "--reference-model", required = true, description = "HF model folder of the frozen reference policy.")
    String referenceModel;

    @Option(names = "--output", required = true, description = "Output table: the pairs with the reference columns.")
    String output;

    @Option(names = "--batch-size", defaultValue = "8", description = "Pairs per forward pass.")
    int batchSize;

    @Mixin
    WarehouseOption warehouseOption;

    @Override
    public Integer call() {
        Instant started = Instant.now();
        Warehouse.checkTableName(output);
        Warehouse warehouse = warehouseOption.open("alignspark ref-logprobs " + output);
        SparkSession spark = warehouse.spark();
        Dataset<Row> pairs = warehouse.partition(pairsTable, dt);
        Dataset<Row> scores = pairs.select("pair_id", "prompt", "chosen", "rejected")
                .mapPartitions(score(referenceModel, batchSize), Encoders.row(SCORES));
        Dataset<Row> joined = pairs.join(scores, "pair_id").withColumn("reference_model", lit(referenceModel));
        long n = pairs.count();
        warehouse.overwritePartition(joined, output, dt, n == 0);
        RunRecord run = new RunRecord(RunRecord.newRunId("ref-logprobs"), "ref-logprobs", output, dt, n,
                warehouse.hasPartition(output, dt) ? warehouse.partition(output, dt).count() : 0, 0, 0, 0, started, Instant.now());
        run.append(spark, warehouse);
        System.out.println(run.summary());
        return run.balanced() ? 0 : 1;
    }

    /** Reference log-probs of a partition's pairs, a batch of pairs (2 × batch rows) per forward pass. */
    static MapPartitionsFunction<Row, Row> score(String model, int batchSize) {
        return rows -> {
            CausalLM lm = ExecutorModels.replica(model);
            ChatEncoder encoder = TrainRmJob.encoder(model);
            List<Row> out = new ArrayList<>();
            for (List<Row> batch : Batches.of(rows, batchSize)) {
                CompletionLogProbs scored = scorePairs(lm, encoder, batch);
                int n = batch.size();
                for (int i = 0; i < n; i++) {
                    out.add(RowFactory.create(batch.get(i).getAs("pair_id"), scored.sums()[i], scored.sums()[n + i],
                            scored.lengths()[i], scored.lengths()[n + i]));
                }
            }
            return out.iterator();
        };
    }

    /**
     * Summed log-probs of a batch of pairs' chosen completions (rows 0..n−1) and rejected ones (rows n..2n−1), prompts
     * rendered by the model's chat template, in one forward pass.
     */
    static CompletionLogProbs scorePairs(CausalLM lm, ChatEncoder encoder, List<Row> batch) {
        List<int[]> prompts = new ArrayList<>(2 * batch.size());
        List<int[]> completions = new ArrayList<>(2 * batch.size());
        for (String side : new String[]{"chosen", "rejected"}) {
            for (Row r : batch) {
                List<Message> prompt = ModelRows.messages(r, "prompt");
                prompts.add(encoder.prompt(prompt));
                completions.add(encoder.completion(prompt, r.getAs(side)));
            }
        }
        return CompletionLogProbs.forward(lm, prompts, completions, encoder.tokenizer().padId());
    }
}
