package org.alignspark.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.rewards.FollowUpLikelihoodReward;
import org.alignspark.common.sft.CompletionLogProbs;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.ChatTemplate;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.common.tokenizer.Tokenizer;
import org.alignspark.common.tokenizer.Tokenizers;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.data.AvroBytes;
import org.alignspark.data.avro.FlrScore;
import org.alignspark.data.avro.Turn;
import org.alignspark.spark.AvroColumns;
import org.alignspark.spark.ExecutorModels;
import org.alignspark.spark.ModelRows;
import org.alignspark.spark.RunRecord;
import org.alignspark.spark.Warehouse;
import org.alignspark.spark.WarehouseOption;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.explode;

/**
 * {@code flr-score}: Follow-up Likelihood as Reward (Zhang et al., arXiv 2409.13948; docs/spec-data-side.md §1). For each
 * response y to prompt x, the scorer LM reads the conversation and each follow-up f the user might say next;
 * l(f | x, y) is the token-mean log-prob of f's tokens (end of turn included by default), and
 * FLR = mean over positive follow-ups − mean over negative ones, overall and per category. The paper's exact
 * aggregation was not found: this is the spec's stated reading (common's {@link FollowUpLikelihoodReward}). The
 * "Direct" baseline, the response's own token-mean log-likelihood, is written beside it. All follow-ups of a response
 * are scored in one batched forward pass behind the shared conversation.
 */
@Command(name = "flr-score", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Score responses by the likelihood of positive vs negative user follow-ups (FLR), and the Direct baseline.")
public final class FlrScoreJob implements Callable<Integer> {
    /** Follow-up sets bundled in the jar, by the name --follow-ups accepts instead of a file. */
    static final java.util.Map<String, String> BUNDLED_FOLLOW_UPS = java.util.Map.of(
            "default", "/org/alignspark/flr/follow-ups.yaml",
            "demo-world", "/org/alignspark/flr/follow-ups-demo-world.yaml");
    private static final StructType PAYLOAD = new StructType().add("payload", DataTypes.BinaryType, false);

    @Option(names = "--responses", required = true,
            description = "Table of responses: RankedResponses (generate, candidates), PreferencePair (both sides) or RatedResponse.")
    String responsesTable;

    @Option(names = "--dt", required = true, description = "Partition of the responses table and of the output, YYYY-MM-DD.")
    String dt;

    @Option(names = "--scorer", required = true, description = "HF model folder of the scorer LM.")
    String scorer;

    @Option(names = "--output", required = true, description = "Output FlrScore table.")
    String output;

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

    @Mixin
    WarehouseOption warehouseOption;

    /** One follow-up sentence. */
    record FollowUp(String category, boolean positive, String text) implements Serializable {}

    static List<FollowUp> readFollowUps(String file) {
        String bundled = BUNDLED_FOLLOW_UPS.get(file);
        try (InputStream in = bundled != null ? FlrScoreJob.class.getResourceAsStream(bundled)
                : ModelFolder.of(new Path(file).getParent().toString()).open(new Path(file).getName())) {
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(in);
            List<FollowUp> followUps = new ArrayList<>();
            root.fields().forEachRemaining(category -> {
                for (String side : new String[]{"positive", "negative"}) {
                    JsonNode list = category.getValue().get(side);
                    if (list == null || !list.isArray() || list.isEmpty()) {
                        throw new IllegalArgumentException(file + ": category '" + category.getKey() + "' needs a non-empty '"
                                + side + "' list");
                    }
                    list.forEach(f -> followUps.add(new FollowUp(category.getKey(), side.equals("positive"), f.asText())));
                }
            });
            return followUps;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read follow-ups " + file, e);
        }
    }

    @Override
    public Integer call() {
        Instant started = Instant.now();
        Warehouse.checkTableName(output);
        if (!template.equals("standard") && !template.equals("role-swapped")) {
            throw new IllegalArgumentException("--template must be standard or role-swapped");
        }
        FollowUpLikelihoodReward.Aggregation agg = FollowUpLikelihoodReward.Aggregation.valueOf(aggregation.toUpperCase().replace('-', '_'));
        List<FollowUp> followUps = readFollowUps(followUpsFile);
        Warehouse warehouse = warehouseOption.open("alignspark flr-score " + output);
        // A RankedResponses row carries K responses, all scored in the task that reads it: spread the responses over
        // several tasks per core, so no core idles while another works through the longest file, and the last tasks
        // (one core busy, the other done) are short.
        int tasks = 8 * warehouse.spark().sparkContext().defaultParallelism();
        Dataset<Row> responses = responses(warehouse.partition(responsesTable, dt)).repartition(tasks);
        Dataset<Row> scores = AvroColumns.decode(responses.mapPartitions(
                        score(scorer, followUps, template.equals("role-swapped") ? feedbackRequest : null, includeEndOfTurn, agg, followUpBatch),
                        Encoders.row(PAYLOAD)),
                "payload", FlrScore.getClassSchema()).cache();
        long n = scores.count();
        warehouse.overwritePartition(scores, output, dt, n == 0);
        scores.unpersist();
        RunRecord run = new RunRecord(RunRecord.newRunId("flr-score"), "flr-score", output, dt, n, n, 0, 0, 0, started, Instant.now());
        run.append(warehouse.spark(), warehouse);
        System.out.println(run.summary());
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

    /** @param feedbackRequest the role-swapped template's opening turn, or null for the standard template */
    static MapPartitionsFunction<Row, Row> score(String scorer, List<FollowUp> followUps, String feedbackRequest,
                                                 boolean includeEndOfTurn, FollowUpLikelihoodReward.Aggregation aggregation,
                                                 int followUpBatch) {
        boolean roleSwapped = feedbackRequest != null;
        return rows -> {
            CausalLM lm = ExecutorModels.replica(scorer);
            ModelFolder folder = ModelFolder.of(scorer);
            Tokenizer tokenizer = Tokenizers.load(folder);
            ChatTemplate chat = ChatTemplate.load(folder, tokenizer);
            ChatEncoder encoder = new ChatEncoder(tokenizer, chat);
            AvroBytes avro = new AvroBytes();
            List<Row> out = new ArrayList<>();
            while (rows.hasNext()) {
                Row row = rows.next();
                List<Message> prompt = ModelRows.messages(row, "prompt");
                String response = row.getAs("response");
                List<Message> conversation = roleSwapped
                        ? FollowUpLikelihoodReward.roleSwapped(feedbackRequest, prompt, response)
                        : withTurn(prompt, "assistant", response);
                String followUpRole = roleSwapped ? "assistant" : "user";
                FollowUpLikelihoodReward.Result flr = scoreFollowUps(lm, tokenizer, chat, conversation, followUpRole,
                        followUps, includeEndOfTurn, aggregation, followUpBatch);
                double direct = response.isEmpty() ? Double.NaN : FollowUpLikelihoodReward.tokenMeanLogProb(
                        CompletionLogProbs.forward(lm, List.of(encoder.prompt(prompt)),
                                List.of(encoder.completion(prompt, response)), tokenizer.padId()).tokenLogProbs(0));
                List<Turn> turns = new ArrayList<>();
                prompt.forEach(m -> turns.add(new Turn(m.role(), m.content())));
                out.add(RowFactory.create((Object) avro.encode(new FlrScore(row.getAs("prompt_id"), turns, row.getAs("response_id"),
                        response, flr.flr(), flr.positiveMean(), flr.negativeMean(), new HashMap<>(flr.perCategory()), direct,
                        scorer, row.getAs("source"), row.getAs("split")))));
            }
            return out.iterator();
        };
    }

    /**
     * Scores every follow-up behind the conversation in one padded batch: context = the conversation plus the
     * follow-up turn's opening; completion = the follow-up's text (plus the turn's closing tokens when included).
     */
    static FollowUpLikelihoodReward.Result scoreFollowUps(CausalLM lm, Tokenizer tokenizer, ChatTemplate chat,
                                                         List<Message> conversation, String role, List<FollowUp> followUps,
                                                         boolean includeEndOfTurn, FollowUpLikelihoodReward.Aggregation aggregation,
                                                         int batch) {
        String before = chat.render(conversation, false);
        String marker = "\u0001";
        String withMarker = chat.render(withTurn(conversation, role, marker), false);
        String opening = withMarker.substring(before.length(), withMarker.indexOf(marker));
        String closing = withMarker.substring(withMarker.indexOf(marker) + marker.length());
        int[] context = concat(tokenizer.encode(before), tokenizer.encode(opening));
        int[] closingTokens = includeEndOfTurn ? tokenizer.encode(closing) : new int[0];
        List<int[]> prompts = new ArrayList<>(followUps.size());
        List<int[]> completions = new ArrayList<>(followUps.size());
        for (FollowUp f : followUps) {
            prompts.add(context);
            completions.add(concat(tokenizer.encode(f.text()), closingTokens));
        }
        int size = batch <= 0 ? followUps.size() : batch;
        List<FollowUpLikelihoodReward.ScoredFollowUp> results = new ArrayList<>(followUps.size());
        for (int start = 0; start < followUps.size(); start += size) {
            int end = Math.min(start + size, followUps.size());
            CompletionLogProbs scored = CompletionLogProbs.forward(lm, prompts.subList(start, end), completions.subList(start, end),
                    tokenizer.padId());
            for (int i = start; i < end; i++) {
                results.add(new FollowUpLikelihoodReward.ScoredFollowUp(followUps.get(i).category(), followUps.get(i).positive(),
                        scored.tokenLogProbs(i - start)));
            }
        }
        return FollowUpLikelihoodReward.score(results, aggregation);
    }

    private static List<Message> withTurn(List<Message> conversation, String role, String content) {
        List<Message> all = new ArrayList<>(conversation);
        all.add(new Message(role, content));
        return all;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
