package org.alignspark.jobs;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.GenerationConfig;
import org.alignspark.common.lm.Generator;
import org.alignspark.common.lm.LogitProcessor;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.data.AvroBytes;
import org.alignspark.data.DatasetKind;
import org.alignspark.data.PromptIds;
import org.alignspark.data.avro.RankedResponse;
import org.alignspark.data.avro.RankedResponses;
import org.alignspark.data.avro.Turn;
import org.alignspark.spark.AvroColumns;
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
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;

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
    private static final StructType PAYLOAD = new StructType().add("payload", DataTypes.BinaryType, false);

    @Option(names = "--prompts", required = true, description = "Any table with prompt_id and prompt (pairs, candidates, feedback...).")
    String promptsTable;

    @Option(names = "--dt", required = true, description = "Partition of the prompts table and of the output, YYYY-MM-DD.")
    String dt;

    @Option(names = "--split", defaultValue = "all", description = "Prompts of this split only (train, test or all).")
    String split;

    @Option(names = "--policy", required = true, description = "HF model folder to sample from.")
    String policy;

    @Option(names = "--output", required = true, description = "Output RankedResponses table.")
    String output;

    @Option(names = "--k", defaultValue = "4", description = "Samples per prompt.")
    int k;

    @Option(names = "--temperature", defaultValue = "1.0", description = "Sampling temperature (0: greedy).")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Keep the k most likely tokens (0: all).")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling mass.")
    double topP;

    @Option(names = "--max-new-tokens", defaultValue = "128", description = "Longest response in tokens.")
    int maxNewTokens;

    @Option(names = "--seed", defaultValue = "42", description = "Base of every sample's seed.")
    long seed;

    @Option(names = "--batch-size", defaultValue = "16", description = "Sequences decoded together.")
    int batchSize;

    @Mixin
    LogitTransformOptions transformOptions;

    @Mixin
    WarehouseOption warehouseOption;

    @Override
    public Integer call() {
        Instant started = Instant.now();
        Warehouse.checkTableName(output);
        if (k < 1) {
            throw new IllegalArgumentException("--k must be at least 1");
        }
        Warehouse warehouse = warehouseOption.open("alignspark generate " + output);
        Dataset<Row> prompts = prompts(warehouse, promptsTable, dt, split);
        Sampling sampling = new Sampling(maxNewTokens, temperature, topK, topP);
        sampling.config();   // fails on the driver, not in a task, when the settings are invalid
        LogitTransforms transforms = transformOptions.settings(warehouse.spark());
        Dataset<Row> generated = generate(prompts, policy, k, sampling, transforms, seed, batchSize).cache();
        long n = generated.count();
        warehouse.overwritePartition(generated, output, dt, n == 0);
        generated.unpersist();
        RunRecord run = new RunRecord(RunRecord.newRunId("generate"), "generate", output, dt, n, n, 0, 0, 0, started, Instant.now());
        run.append(warehouse.spark(), warehouse);
        System.out.println(run.summary());
        return 0;
    }

    /** One row per prompt (prompt_id, prompt, split, reference_answer) of any table with prompt_id and prompt. */
    static Dataset<Row> prompts(Warehouse warehouse, String promptsTable, String dt, String split) {
        Dataset<Row> table = warehouse.partition(promptsTable, dt, split);
        List<String> columns = List.of(table.columns());
        return table.groupBy("prompt_id").agg(first("prompt").as("prompt"),
                columns.contains("split") ? first("split").as("split") : first(lit("train")).as("split"),
                columns.contains("reference_answer") ? first("reference_answer").as("reference_answer")
                        : first(lit(null).cast("string")).as("reference_answer"));
    }

    /**
     * RankedResponses rows of K samples per prompt; their {@code source} is {@code generate:<policy>}, followed by the
     * logit transforms' settings when there are any.
     */
    static Dataset<Row> generate(Dataset<Row> prompts, String policy, int k, Sampling sampling, LogitTransforms transforms,
                                 long seed, int batchSize) {
        String settings = transforms.describe();
        String source = "generate:" + policy + (settings.isEmpty() ? "" : " " + settings);
        return AvroColumns.decode(prompts.mapPartitions(sample(policy, k, sampling, transforms, seed, batchSize, source),
                Encoders.row(PAYLOAD)), "payload", DatasetKind.RANKED_RESPONSES.schema());
    }

    /** The seed of sample k of a prompt: a function of the run's seed, the prompt id and k only. */
    static long sampleSeed(long seed, String promptId, int k) {
        return java.nio.ByteBuffer.wrap(java.util.HexFormat.of().parseHex(PromptIds.contentId(seed, promptId, k))).getLong();
    }

    /** Decoding settings as they travel to executors (a GenerationConfig may carry logit processors that do not). */
    record Sampling(int maxNewTokens, double temperature, int topK, double topP) implements java.io.Serializable {
        GenerationConfig config() {
            return temperature == 0 ? GenerationConfig.greedy(maxNewTokens)
                    : GenerationConfig.sampling(maxNewTokens, temperature, topK, topP);
        }
    }

    static MapPartitionsFunction<Row, Row> sample(String policy, int k, Sampling sampling, LogitTransforms transforms, long seed,
                                                  int batchSize, String source) {
        return rows -> {
            CausalLM model = ExecutorModels.replica(policy);
            ChatEncoder encoder = TrainRmJob.encoder(policy);
            GenerationConfig config = sampling.config().withStopTokens(encoder.tokenizer().eosId()).withPadId(encoder.tokenizer().padId())
                    .withProcessors(transforms.processors(model, encoder).toArray(LogitProcessor[]::new));
            record Prompt(Row row, int[] tokens) {}
            List<Prompt> prompts = new ArrayList<>();
            rows.forEachRemaining(r -> prompts.add(new Prompt(r, encoder.prompt(ModelRows.messages(r, "prompt")))));
            prompts.sort(Comparator.comparingInt(p -> p.tokens().length));          // length buckets before padding
            AvroBytes avro = new AvroBytes();
            List<Row> out = new ArrayList<>(prompts.size());
            int perBatch = Math.max(1, batchSize / k);
            for (int start = 0; start < prompts.size(); start += perBatch) {
                List<Prompt> group = prompts.subList(start, Math.min(start + perBatch, prompts.size()));
                List<int[]> inputs = new ArrayList<>();
                long[] seeds = new long[group.size() * k];
                for (int i = 0; i < group.size(); i++) {
                    for (int s = 0; s < k; s++) {
                        inputs.add(group.get(i).tokens());
                        seeds[i * k + s] = sampleSeed(seed, group.get(i).row().getAs("prompt_id"), s);
                    }
                }
                List<int[]> samples = Generator.generate(model, inputs, seeds, config);
                for (int i = 0; i < group.size(); i++) {
                    Row row = group.get(i).row();
                    String promptId = row.getAs("prompt_id");
                    List<RankedResponse> responses = new ArrayList<>(k);
                    for (int s = 0; s < k; s++) {
                        String text = encoder.tokenizer().decode(withoutStop(samples.get(i * k + s), config.stopTokens()));
                        responses.add(new RankedResponse(PromptIds.contentId(promptId, text), text, null, null, s));
                    }
                    List<Turn> turns = new ArrayList<>();
                    ModelRows.messages(row, "prompt").forEach(m -> turns.add(new Turn(m.role(), m.content())));
                    out.add(RowFactory.create((Object) avro.encode(new RankedResponses(PromptIds.contentId(promptId, responses),
                            promptId, turns, responses, row.getAs("reference_answer"), source, row.getAs("split")))));
                }
            }
            return out.iterator();
        };
    }

    private static int[] withoutStop(int[] tokens, int[] stops) {
        if (tokens.length > 0) {
            for (int stop : stops) {
                if (tokens[tokens.length - 1] == stop) {
                    return java.util.Arrays.copyOf(tokens, tokens.length - 1);
                }
            }
        }
        return tokens;
    }
}
