package org.alignspark.generation;

import java.util.ArrayList;
import java.util.List;

import org.alignspark.common.lm.GenerationConfig;
import org.alignspark.common.lm.Generator;
import org.alignspark.common.lm.LogitProcessor;
import org.alignspark.data.AvroBytes;
import org.alignspark.data.DatasetKind;
import org.alignspark.data.PromptIds;
import org.alignspark.data.avro.RankedResponse;
import org.alignspark.data.avro.RankedResponses;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.LengthSortedBatches;
import org.alignspark.executor.ModelRows;
import org.alignspark.warehouse.AvroColumns;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;

/**
 * K sampled responses per prompt as a Dataset plan, for {@code generate} and {@code guidance-sweep}: the prompts of any
 * table, and RankedResponses rows sampled on executors (the policy loaded once per JVM, prompts sorted by length before
 * batching, sample k of a prompt seeded by {@link Sampling#sampleSeed}).
 */
public final class GenerationPlan {
    private GenerationPlan() {}

    /**
     * One row per prompt (prompt_id, prompt, split, reference_answer: the first one given) of any table with prompt_id
     * and prompt.
     */
    public static Dataset<Row> prompts(Dataset<Row> table) {
        List<String> columns = List.of(table.columns());
        return table.groupBy("prompt_id").agg(first("prompt").as("prompt"),
                columns.contains("split") ? first("split").as("split") : first(lit("train")).as("split"),
                columns.contains("reference_answer") ? first("reference_answer", true).as("reference_answer")
                        : first(lit(null).cast("string")).as("reference_answer"));
    }

    /**
     * RankedResponses rows of K samples per prompt; their {@code source} is {@code generate:<policy>}, followed by the
     * logit transforms' settings when there are any.
     */
    public static Dataset<Row> generate(Dataset<Row> prompts, String policy, int k, Sampling sampling, LogitTransforms transforms,
                                        long seed, int batchSize) {
        if (k < 1) {
            throw new IllegalArgumentException("--k must be at least 1, got " + k);
        }
        String settings = transforms.describe();
        String source = "generate:" + policy + (settings.isEmpty() ? "" : " " + settings);
        return AvroColumns.mapPartitions(prompts, sample(policy, k, sampling, transforms, seed, batchSize, source),
                DatasetKind.RANKED_RESPONSES.schema());
    }

    private static MapPartitionsFunction<Row, Row> sample(String policy, int k, Sampling sampling, LogitTransforms transforms, long seed,
                                                          int batchSize, String source) {
        return rows -> {
            ExecutorModels.TaskModel model = ExecutorModels.taskModel(policy);
            GenerationConfig config = sampling.config(model.tokenizer())
                    .withProcessors(transforms.processors(model.lm(), model.encoder()).toArray(LogitProcessor[]::new));
            record Prompt(Row row, int[] tokens) {}
            AvroBytes avro = new AvroBytes();
            return LengthSortedBatches.map(rows, r -> new Prompt(r, model.encoder().prompt(ModelRows.messages(r, "prompt"))),
                    p -> p.tokens().length, Math.max(1, batchSize / k), group -> {
                        List<int[]> inputs = new ArrayList<>();
                        long[] seeds = new long[group.size() * k];
                        for (int i = 0; i < group.size(); i++) {
                            for (int s = 0; s < k; s++) {
                                inputs.add(group.get(i).tokens());
                                seeds[i * k + s] = Sampling.sampleSeed(seed, group.get(i).row().getAs("prompt_id"), s);
                            }
                        }
                        List<String> texts = Sampling.texts(model.tokenizer(), Generator.generate(model.lm(), inputs, seeds, config),
                                config.stopTokens());
                        List<Row> out = new ArrayList<>(group.size());
                        for (int i = 0; i < group.size(); i++) {
                            Row row = group.get(i).row();
                            String promptId = row.getAs("prompt_id");
                            List<RankedResponse> responses = new ArrayList<>(k);
                            for (int s = 0; s < k; s++) {
                                String text = texts.get(i * k + s);
                                responses.add(new RankedResponse(PromptIds.contentId(promptId, text), text, null, null, s));
                            }
                            out.add(RowFactory.create((Object) avro.encode(new RankedResponses(PromptIds.contentId(promptId, responses),
                                    promptId, ModelRows.turns(row, "prompt"), responses, row.getAs("reference_answer"), source,
                                    row.getAs("split")))));
                        }
                        return out;
                    });
        };
    }
}
