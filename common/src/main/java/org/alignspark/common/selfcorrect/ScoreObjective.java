package org.alignspark.common.selfcorrect;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.lm.GenerationConfig;
import org.alignspark.common.lm.Generator;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.common.train.BatchResult;
import org.alignspark.common.train.Objective;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One SCoRe stage (Kumar et al. arXiv 2409.12917 §4, docs/spec-data-side.md §4) as an on-policy objective: for every prompt of
 * the minibatch it draws G two-attempt rollouts from the model being trained (x₁ → y₁, then x₂ = x₁, y₁, instruction
 * → y₂), judges both attempts with the verifier, and takes the REINFORCE step
 * L = −(1/(B·G)) Σ_rollouts Σ_turns A_turn · log π(y_turn | x_turn), with the returns and leave-one-out advantages of
 * {@link ScoreRewards}.
 * <p>
 * The rollouts are drawn here, inside the worker, rather than by a Spark stage before each round: the worker already
 * holds the round's parameters in its model copy, so sampling there is on-policy for every minibatch (not only for
 * the first of a round) and costs no extra broadcast. Seeds are a function of (seed, prompt id, sample, turn) and of a
 * fingerprint of the current parameters, so a retried task redraws the same rollouts and every step draws new ones.
 * The reference model π_ref (the base model) comes from {@code reference}, a frozen replica per executor.
 */
public final class ScoreObjective implements Objective<ScorePrompt, LanguageModel> {
    /** A per-executor resource the objective needs but cannot carry (tokenizer, frozen reference model). */
    public interface Source<T> extends Supplier<T>, Serializable {
    }

    /**
     * @param samplesPerPrompt G rollouts per prompt, ≥ 2 (the per-prompt baseline needs others)
     * @param temperature sampling temperature of the rollouts (paper: 1.0)
     */
    public record Settings(ScoreRewards.Stage stage, ScoreRewards.Coefficients coefficients, int samplesPerPrompt,
                           int maxNewTokens, double temperature, long seed, CorrectionInstruction instruction,
                           Verifier verifier) implements Serializable {
        public Settings {
            if (samplesPerPrompt < 2) {
                throw new IllegalArgumentException("SCoRe's per-prompt baseline needs at least 2 samples per prompt");
            }
            if (maxNewTokens < 1 || !(temperature > 0)) {
                throw new IllegalArgumentException("rollouts need max new tokens ≥ 1 and a temperature > 0");
            }
        }
    }

    private final Settings settings;
    private final Source<ChatEncoder> encoderSource;
    private final Source<CausalLM> referenceSource;
    private transient ChatEncoder encoder;
    private transient CausalLM reference;

    public ScoreObjective(Settings settings, Source<ChatEncoder> encoder, Source<CausalLM> reference) {
        this.settings = settings;
        this.encoderSource = encoder;
        this.referenceSource = reference;
    }

    @Override
    public BatchResult lossAndGradients(LanguageModel model, List<ScorePrompt> batch) {
        if (encoder == null) {
            encoder = encoderSource.get();
            reference = referenceSource.get();
        }
        int g = settings.samplesPerPrompt();
        int n = batch.size() * g;
        long fingerprint = fingerprint(model);
        GenerationConfig config = GenerationConfig.sampling(settings.maxNewTokens(), settings.temperature(), 0, 1.0)
                .withStopTokens(encoder.tokenizer().eosId()).withPadId(encoder.tokenizer().padId());

        List<int[]> x1 = new ArrayList<>(n);
        long[] seeds1 = new long[n];
        for (int p = 0; p < batch.size(); p++) {
            int[] tokens = encoder.prompt(batch.get(p).messages());
            for (int s = 0; s < g; s++) {
                x1.add(tokens);
                seeds1[p * g + s] = seed(settings.seed(), batch.get(p).promptId(), s, 1, fingerprint);
            }
        }
        List<int[]> y1 = Generator.generate(model.lm(), x1, seeds1, config);
        List<int[]> x2 = new ArrayList<>(n);
        long[] seeds2 = new long[n];
        double[] r1 = new double[n];
        String[] first = new String[n];
        for (int i = 0; i < n; i++) {
            ScorePrompt prompt = batch.get(i / g);
            first[i] = text(y1.get(i), config);
            r1[i] = settings.verifier().judge(first[i], prompt.reference()).reward();
            List<Message> second = settings.instruction().secondTurnPrompt(prompt.messages(), first[i]);
            x2.add(encoder.prompt(second));
            seeds2[i] = seed(settings.seed(), prompt.promptId(), i % g, 2, fingerprint);
        }
        List<int[]> y2 = Generator.generate(model.lm(), x2, seeds2, config);
        double[] r2 = new double[n];
        for (int i = 0; i < n; i++) {
            r2[i] = settings.verifier().judge(text(y2.get(i), config), batch.get(i / g).reference()).reward();
        }

        // rows 0..n−1: turn 1, rows n..2n−1: turn 2
        List<int[]> contexts = new ArrayList<>(x1);
        contexts.addAll(x2);
        List<int[]> responses = new ArrayList<>(y1);
        responses.addAll(y2);
        CompletionLogProbs policy = CompletionLogProbs.forward(model.lm(), contexts, responses, encoder.tokenizer().padId());
        double[] referenceSums = CompletionLogProbs.forward(reference, contexts, responses, encoder.tokenizer().padId()).sums();
        double[] kl = new double[2 * n];                                   // [2n] KL̂ per turn of each rollout
        for (int i = 0; i < 2 * n; i++) {
            kl[i] = policy.sums()[i] - referenceSums[i];
        }

        ScoreRewards.Coefficients c = settings.coefficients();
        double[] dSums = new double[2 * n];
        double objective = 0;
        for (int p = 0; p < batch.size(); p++) {
            double[] returns1 = new double[g];
            double[] returns2 = new double[g];
            for (int s = 0; s < g; s++) {
                int i = p * g + s;
                returns1[s] = ScoreRewards.firstTurnReturn(settings.stage(), c, r1[i], kl[i]);
                returns2[s] = ScoreRewards.secondTurnReturn(settings.stage(), c, r1[i], r2[i], kl[n + i]);
                objective += returns1[s] + returns2[s];
            }
            double[] a1 = ScoreRewards.leaveOneOutAdvantages(returns1);
            double[] a2 = ScoreRewards.leaveOneOutAdvantages(returns2);
            for (int s = 0; s < g; s++) {
                dSums[p * g + s] = -a1[s] / n;
                dSums[n + p * g + s] = -a2[s] / n;
            }
        }
        policy.backward(dSums);

        long tokens = 0;
        for (int i = 0; i < 2 * n; i++) {
            tokens += contexts.get(i).length + responses.get(i).length;
        }
        BatchResult result = new BatchResult(-objective, n, tokens);
        double sumR1 = Arrays.stream(r1).sum();
        double sumR2 = Arrays.stream(r2).sum();
        double i2c = 0;
        double c2i = 0;
        for (int i = 0; i < n; i++) {
            i2c += r1[i] == 0 && r2[i] == 1 ? 1 : 0;
            c2i += r1[i] == 1 && r2[i] == 0 ? 1 : 0;
        }
        return result.metricSum("reward_t1", sumR1).metricSum("reward_t2", sumR2).metricSum("delta", sumR2 - sumR1)
                .metricSum("incorrect_to_correct", i2c).metricSum("correct_to_incorrect", c2i)
                .metricSum("kl_t1", Arrays.stream(kl, 0, n).sum()).metricSum("kl_t2", Arrays.stream(kl, n, 2 * n).sum())
                .metricSum("response_tokens", Arrays.stream(policy.lengths()).sum());
    }

    /** Prompt characters: the rollouts are not drawn yet when partitions are balanced. */
    @Override
    public long tokens(ScorePrompt example) {
        long chars = 0;
        for (String content : example.contents()) {
            chars += content.length();
        }
        return chars * settings.samplesPerPrompt();
    }

    @Override
    public String exampleId(ScorePrompt example) {
        return example.promptId();
    }

    private String text(int[] generated, GenerationConfig config) {
        int[] tokens = generated;
        if (tokens.length > 0 && config.stopTokens().length > 0 && tokens[tokens.length - 1] == config.stopTokens()[0]) {
            tokens = Arrays.copyOf(tokens, tokens.length - 1);
        }
        return encoder.tokenizer().decode(tokens);
    }

    /** A checksum of the current parameters: changes with every optimizer step. */
    static long fingerprint(LanguageModel model) {
        double sum = 0;
        for (INDArray p : model.parameters().values()) {
            sum += p.sumNumber().doubleValue();
        }
        return Double.doubleToLongBits(sum);
    }

    static long seed(long seed, String promptId, int sample, int turn, long fingerprint) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(ByteBuffer.allocate(28).putLong(seed).putInt(sample).putInt(turn).putLong(fingerprint).putInt(0).array());
            sha.update(promptId.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(sha.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
