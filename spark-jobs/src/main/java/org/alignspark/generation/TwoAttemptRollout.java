package org.alignspark.generation;

import java.util.ArrayList;
import java.util.List;

import org.alignspark.common.lm.GenerationConfig;
import org.alignspark.common.lm.Generator;
import org.alignspark.common.selfcorrect.CorrectionInstruction;
import org.alignspark.common.selfcorrect.Verifier;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.data.AvroBytes;
import org.alignspark.data.PromptIds;
import org.alignspark.data.avro.Attempt;
import org.alignspark.data.avro.SelfCorrectionTrace;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.LengthSortedBatches;
import org.alignspark.executor.ModelRows;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Two attempts per prompt on executors, as {@code self-correct-eval} evaluates them: the policy writes attempt 1, then,
 * after the correction instruction, attempt 2 (K samples of the pair per prompt, seeded per (prompt_id, k)); a
 * verifier judges both against the reference answer. Each output row is a SelfCorrectionTrace as Avro bytes.
 */
public record TwoAttemptRollout(String policy, int k, Sampling sampling, long seed, int batchSize,
                                CorrectionInstruction instruction, Verifier verifier, String source) implements java.io.Serializable {

    public MapPartitionsFunction<Row, Row> traces() {
        record Prompt(Row row, List<Message> messages, int[] tokens) {}
        return rows -> {
            ExecutorModels.TaskModel model = ExecutorModels.taskModel(policy);
            GenerationConfig config = sampling.config(model.tokenizer());
            AvroBytes avro = new AvroBytes();
            return LengthSortedBatches.map(rows, r -> {
                List<Message> messages = ModelRows.messages(r, "prompt");
                return new Prompt(r, messages, model.encoder().prompt(messages));
            }, p -> p.tokens().length, Math.max(1, batchSize / k), group -> {
                int n = group.size() * k;
                List<int[]> firstInputs = new ArrayList<>(n);
                long[] firstSeeds = new long[n];
                long[] secondSeeds = new long[n];
                for (int i = 0; i < n; i++) {
                    Prompt p = group.get(i / k);
                    String promptId = p.row().getAs("prompt_id");
                    firstInputs.add(p.tokens());
                    firstSeeds[i] = Sampling.sampleSeed(seed, promptId, i % k);
                    secondSeeds[i] = Sampling.sampleSeed(seed, promptId + "\u0000attempt-2", i % k);
                }
                List<String> firsts = Sampling.texts(model.tokenizer(), Generator.generate(model.lm(), firstInputs, firstSeeds, config),
                        config.stopTokens());
                List<int[]> secondInputs = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    secondInputs.add(model.encoder().prompt(instruction.secondTurnPrompt(group.get(i / k).messages(), firsts.get(i))));
                }
                List<String> seconds = Sampling.texts(model.tokenizer(), Generator.generate(model.lm(), secondInputs, secondSeeds, config),
                        config.stopTokens());
                List<Row> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    Prompt p = group.get(i / k);
                    String promptId = p.row().getAs("prompt_id");
                    String reference = p.row().getAs("reference_answer");
                    Verifier.Judgement j1 = verifier.judge(firsts.get(i), reference);
                    Verifier.Judgement j2 = verifier.judge(seconds.get(i), reference);
                    List<Attempt> attempts = List.of(new Attempt(1, firsts.get(i), j1.finalAnswer(), j1.correct()),
                            new Attempt(2, seconds.get(i), j2.finalAnswer(), j2.correct()));
                    out.add(RowFactory.create((Object) avro.encode(SelfCorrectionTrace.newBuilder()
                            .setTraceId(PromptIds.contentId(promptId, reference, attempts, source, i % k))
                            .setPromptId(promptId)
                            .setPrompt(ModelRows.turns(p.messages()))
                            .setReferenceAnswer(reference)
                            .setAttempts(attempts)
                            .setCorrectionInstruction(instruction.userTurn(p.messages()))
                            .setSource(source)
                            .setSplit(p.row().getAs("split"))
                            .build())));
                }
                return out;
            });
        };
    }
}
