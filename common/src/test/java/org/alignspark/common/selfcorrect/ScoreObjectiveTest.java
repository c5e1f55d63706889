package org.alignspark.common.selfcorrect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.tokenizer.ByteTokenizer;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.ChatTemplate;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.common.train.BatchResult;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class ScoreObjectiveTest {
    private static final ModelConfig CONFIG = ModelConfig.gpt2(new ByteTokenizer().vocabSize(), 16, 1, 2, 64);
    private static final ChatEncoder ENCODER = new ChatEncoder(new ByteTokenizer(), ChatTemplate.BYTE);
    private static final List<ScorePrompt> PROMPTS = List.of(
            ScorePrompt.of("p1", List.of(new Message("user", "1+2")), "3"),
            ScorePrompt.of("p2", List.of(new Message("user", "4+0")), "4"));

    /**
     * Rewards a one-token response whose byte is even (or, with {@code even} false, every other response): a reward
     * the model can raise by moving its first token.
     */
    private record EvenByte(boolean even) implements Verifier {
        @Override
        public Judgement judge(String response, String reference) {
            return new Judgement(response, rewarded(response) == even);
        }

        static boolean rewarded(String response) {
            return !response.isEmpty() && response.charAt(0) < 128 && response.charAt(0) % 2 == 0;
        }
    }

    @Test
    void stageTwoStepRaisesTheProbabilityOfRewardedFirstAttempts() {
        double[] before = rewardedShare();
        double[] after = afterOneStep(ScoreRewards.Stage.II, new EvenByte(true));
        for (int p = 0; p < PROMPTS.size(); p++) {
            assertTrue(after[p] > before[p], "prompt " + p + ": P(even attempt 1) " + before[p] + " → " + after[p]);
        }
    }

    @Test
    void stageTwoStepLowersTheProbabilityOfPenalizedFirstAttempts() {
        double[] before = rewardedShare();
        double[] after = afterOneStep(ScoreRewards.Stage.II, new EvenByte(false));
        for (int p = 0; p < PROMPTS.size(); p++) {
            assertTrue(after[p] < before[p], "prompt " + p + ": P(even attempt 1) " + before[p] + " → " + after[p]);
        }
    }

    @Test
    void reportsRewardsPerRolloutAndALossThatIsMinusTheMeanReturn() {
        LanguageModel model = new LanguageModel(CausalLM.initialize(CONFIG, 7));
        model.zeroGradients();
        BatchResult result = objective(ScoreRewards.Stage.II, new EvenByte(true)).lossAndGradients(model, PROMPTS);
        assertEquals(2 * 16, result.examples());
        double r1 = result.metricMeans().get("reward_t1");
        double r2 = result.metricMeans().get("reward_t2");
        assertTrue(r1 > 0 && r1 < 1, "some but not all random bytes are even: " + r1);
        assertEquals(r2 - r1, result.metricMeans().get("delta"), 1e-9);
    }

    /**
     * The loss is minus the mean return of the paper's objectives, written out here from Eq. 3 and Eq. 4 (not from
     * {@link ScoreRewards}), over the rollouts' logged rewards and KL̂ sums, with a reference model that differs from the
     * policy so that every KL term is live. Per rollout, with α = 10, β₁ = 0.01, β₂ = 0.1:
     * Stage I: −(β₂ + β₁)·KL̂₁ + r₂ − β₁·KL̂₂; Stage II: r₁ − β₁·KL̂₁ + r₂ + α(r₂ − r₁) − β₁·KL̂₂.
     */
    @Test
    void lossIsMinusTheMeanReturnOfEachStagesObjective() {
        for (ScoreRewards.Stage stage : ScoreRewards.Stage.values()) {
            LanguageModel model = new LanguageModel(CausalLM.initialize(CONFIG, 7));
            model.zeroGradients();
            BatchResult result = objective(stage, new EvenByte(true), 8).lossAndGradients(model, PROMPTS);
            var m = result.metricMeans();
            double r1 = m.get("reward_t1");
            double r2 = m.get("reward_t2");
            double kl1 = m.get("kl_t1");
            double kl2 = m.get("kl_t2");
            assertTrue(Math.abs(kl1) > 1e-3 && Math.abs(kl2) > 1e-3, "the KL terms are live: " + kl1 + ", " + kl2);
            double meanReturn = stage == ScoreRewards.Stage.I
                    ? -(0.1 + 0.01) * kl1 + r2 - 0.01 * kl2
                    : r1 - 0.01 * kl1 + r2 + 10 * (r2 - r1) - 0.01 * kl2;
            assertEquals(-meanReturn, result.meanLoss(), 1e-9, "stage " + stage);
        }
    }

    private static ScoreObjective objective(ScoreRewards.Stage stage, Verifier verifier) {
        return objective(stage, verifier, 7);
    }

    /** @param referenceSeed 7 makes the reference equal to the policy the tests start from */
    private static ScoreObjective objective(ScoreRewards.Stage stage, Verifier verifier, long referenceSeed) {
        return new ScoreObjective(new ScoreObjective.Settings(stage, new ScoreRewards.Coefficients(10, 0.01, 0.1), 16, 1, 1.0, 11,
                CorrectionInstruction.parse("Check."), verifier), () -> ENCODER, () -> CausalLM.initialize(CONFIG, referenceSeed));
    }

    /** Small enough that one step stays in the linear regime of the logits. */
    private static final double STEP = 0.01;

    /** One plain gradient step (SGD, no clipping) from the objective's gradients; P(rewarded attempt 1) afterwards. */
    private static double[] afterOneStep(ScoreRewards.Stage stage, Verifier verifier) {
        CausalLM lm = CausalLM.initialize(CONFIG, 7);
        LanguageModel model = new LanguageModel(lm);
        model.zeroGradients();
        objective(stage, verifier).lossAndGradients(model, PROMPTS);
        for (var p : model.parameters().entrySet()) {
            p.getValue().subi(model.gradients().get(p.getKey()).mul(STEP));
        }
        return rewardedShare(lm);
    }

    private static double[] rewardedShare() {
        return rewardedShare(CausalLM.initialize(CONFIG, 7));
    }

    /** Exact P(first response token is an even byte | x₁) per prompt, from the next-token distribution. */
    private static double[] rewardedShare(CausalLM lm) {
        double[] out = new double[PROMPTS.size()];
        for (int p = 0; p < PROMPTS.size(); p++) {
            int[] x1 = ENCODER.prompt(PROMPTS.get(p).messages());
            INDArray logits = lm.forward(Batch.of(x1));   // [1, T, V]
            INDArray last = logits.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(x1.length - 1), org.nd4j.linalg.indexing.NDArrayIndex.all());
            double max = last.maxNumber().doubleValue();
            double total = 0;
            double rewarded = 0;
            for (int t = 0; t < CONFIG.vocabSize(); t++) {
                double e = Math.exp(last.getDouble(t) - max);
                total += e;
                String text = t == ENCODER.tokenizer().eosId() ? "" : ENCODER.tokenizer().decode(new int[] {t});
                rewarded += EvenByte.rewarded(text) ? e : 0;
            }
            out[p] = rewarded / total;
        }
        return out;
    }
}
