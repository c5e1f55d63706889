package org.alignspark.common.policy.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.objectives.DpoLoss;
import org.alignspark.common.policy.DpoObjective;
import org.alignspark.common.policy.PolicyPair;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.ChatTemplate;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.common.tokenizer.Tokenizer;
import org.alignspark.common.tokenizer.Tokenizers;
import org.alignspark.common.train.LearningRateSchedule;
import org.alignspark.common.train.Optimizer;
import org.alignspark.common.train.OptimizerConfig;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The baseline of {@code bench/dpo.sh}: DPO (sigmoid) training steps — forward of chosen and rejected, loss, backward,
 * AdamW step — over the same pairs in one JVM on one thread, without Spark or parameter averaging. Reference
 * log-probs are 0 (they are read, not computed, in train-policy too). The first minibatch is a warm-up and not timed.
 * Arguments: model folder, pairs file (prompt TAB chosen TAB rejected per line), minibatch size.
 * Prints {@code baseline_pairs_per_s=…} and {@code baseline_tokens_per_s=…}.
 */
public final class DpoStepBenchmark {
    private DpoStepBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        ModelFolder folder = ModelFolder.of(args[0]);
        int batchSize = Integer.parseInt(args[2]);
        Tokenizer tokenizer = Tokenizers.load(folder);
        ChatEncoder encoder = new ChatEncoder(tokenizer, ChatTemplate.load(folder, tokenizer));
        List<PolicyPair> pairs = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            String[] f = line.split("\t");
            List<Message> prompt = List.of(new Message("user", f[0]));
            pairs.add(new PolicyPair("p" + pairs.size(), encoder.prompt(prompt), encoder.completion(prompt, f[1]),
                    encoder.completion(prompt, f[2]), 0, 0));
        }
        LanguageModel policy = new LanguageModel(HfCheckpoint.load(folder, DataType.FLOAT));
        DpoObjective objective = new DpoObjective(DpoLoss.Config.defaults(), tokenizer.padId());
        int steps = pairs.size() / batchSize;
        Optimizer adam = new Optimizer(OptimizerConfig.adamW(new LearningRateSchedule(1e-4, 0, steps,
                LearningRateSchedule.Shape.LINEAR), 0, 1), policy);
        long start = 0;
        long tokens = 0;
        int timedPairs = 0;
        for (int step = 0; step < steps; step++) {
            if (step == 1) {
                start = System.nanoTime();
            }
            List<PolicyPair> batch = pairs.subList(step * batchSize, (step + 1) * batchSize);
            policy.zeroGradients();
            long batchTokens = objective.lossAndGradients(policy, batch).tokens();
            adam.step(step, 0);
            if (step >= 1) {
                timedPairs += batch.size();
                tokens += batchTokens;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("baseline_pairs_per_s=%.2f%n", timedPairs / seconds);
        System.out.printf("baseline_tokens_per_s=%.1f%n", tokens / seconds);
    }
}
