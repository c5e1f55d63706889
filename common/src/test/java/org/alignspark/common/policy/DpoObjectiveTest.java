package org.alignspark.common.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.objectives.DpoLoss;
import org.alignspark.common.objectives.RunningMoments;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.train.LearningRateSchedule;
import org.alignspark.common.train.Optimizer;
import org.alignspark.common.train.OptimizerConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DpoObjectiveTest {
    private static final int PAD = 0;

    private static List<PolicyPair> pairs(CausalLM reference, int n, long seed) {
        Random random = new Random(seed);
        List<PolicyPair> pairs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] prompt = random.ints(2 + random.nextInt(3), 5, 16).toArray();
            int[] chosen = {3, random.nextInt(5, 16)};
            int[] rejected = {4, random.nextInt(5, 16)};
            double[] ref = CompletionLogProbs.forward(reference, List.of(prompt, prompt), List.of(chosen, rejected), PAD).sums();
            pairs.add(new PolicyPair("p" + i, prompt, chosen, rejected, ref[0], ref[1]));
        }
        return pairs;
    }

    /** Pairs whose completions differ in length (LD-DPO splits them), with the reference's per-token log-probs. */
    private static List<PolicyPair> unevenPairs(CausalLM reference, int n, long seed) {
        Random random = new Random(seed);
        List<PolicyPair> pairs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] prompt = random.ints(2 + random.nextInt(3), 5, 16).toArray();
            int[] chosen = random.ints(1 + random.nextInt(4), 3, 16).toArray();
            int[] rejected = random.ints(1 + random.nextInt(4), 3, 16).toArray();
            CompletionLogProbs ref = CompletionLogProbs.forward(reference, List.of(prompt, prompt), List.of(chosen, rejected), PAD);
            pairs.add(new PolicyPair("p" + i, prompt, chosen, rejected, ref.sums()[0], ref.sums()[1], ref.tokenLogProbs(0),
                    ref.tokenLogProbs(1)));
        }
        return pairs;
    }

    /**
     * Every loss, mixes of them, f-divergences and LD-DPO, through the model: 12 entries of every parameter tensor
     * against central differences in float64. (WPO's weights are a function of the parameters that the loss treats as
     * constants, as TRL does under no_grad, so a finite difference would see them move; PairwiseLossesTest checks
     * the weighted loss's gradient with the weights held.)
     */
    @Test
    void everyPairwiseLossGradientMatchesCentralDifferencesThroughTheModel() {
        CausalLM reference = CausalLM.initialize(GradientCheck.CONFIG, 1);
        List<PolicyPair> batch = unevenPairs(reference, 3, 9);
        List<DpoLoss.Config> configs = new ArrayList<>();
        for (DpoLoss.Type type : DpoLoss.Type.values()) {
            configs.add(new DpoLoss.Config(0.5, type, 0, false, 0));
        }
        configs.add(DpoLoss.Config.defaults().withTerms(DpoLoss.terms(List.of("sigmoid", "bco_pair", "sft"), List.of(0.8, 0.2, 1.0))));
        configs.add(DpoLoss.Config.defaults().withTerms(DpoLoss.terms(List.of("orpo", "simpo", "apo_down"), List.of(1.0, 0.5, 2.0))));
        configs.add(new DpoLoss.Config(0.5, DpoLoss.Type.SIGMOID, 0, false, 0).withFDivergence(DpoLoss.FDivergence.JS_DIVERGENCE, 0.5));
        configs.add(new DpoLoss.Config(0.5, DpoLoss.Type.IPO, 0, false, 0).withFDivergence(DpoLoss.FDivergence.ALPHA_DIVERGENCE, 0.3));
        configs.add(new DpoLoss.Config(0.5, DpoLoss.Type.SIGMOID, 0, false, 0).withLdAlpha(0.3));
        configs.add(DpoLoss.Config.defaults().withTerms(DpoLoss.terms(List.of("sigmoid_norm", "sft", "orpo"), List.of())).withLdAlpha(0.5));
        for (DpoLoss.Config config : configs) {
            GradientCheck.assertMatches(config.names() + " f=" + config.fDivergence() + " ld=" + config.ldAlpha(),
                    () -> new DpoObjective(config, PAD), GradientCheck.perturbedPolicy(), batch, 12);
        }
    }

    /**
     * TRL ≤ v0.24's bco_pair: δ is the running mean of the minibatches' mean implicit rewards, updated before each
     * loss; the driver's fold of a round's metrics reaches the same δ as the worker's own updates.
     */
    @Test
    void bcoPairRunningDeltaIsTheMeanOfTheMinibatchMeanRewards() {
        CausalLM reference = CausalLM.initialize(GradientCheck.CONFIG, 1);
        LanguageModel policy = GradientCheck.perturbedPolicy();
        List<PolicyPair> first = unevenPairs(reference, 3, 4);
        List<PolicyPair> second = unevenPairs(reference, 2, 5);
        DpoLoss.Config config = new DpoLoss.Config(0.5, DpoLoss.Type.BCO_PAIR, 0, false, 0);
        double m1 = meanReward(policy, first, 0.5);
        double m2 = meanReward(policy, second, 0.5);
        DpoObjective worker = new DpoObjective(config, PAD).withBcoPairDelta(new RunningMoments());
        org.alignspark.common.train.BatchResult r1 = worker.lossAndGradients(policy, first);
        assertEquals(m1, r1.metricMeans().get("delta"), 1e-9);
        org.alignspark.common.train.BatchResult r2 = worker.lossAndGradients(policy, second);
        assertEquals((m1 + m2) / 2, r2.metricMeans().get("delta"), 1e-9);
        // the loss of the second minibatch with δ = (m1 + m2)/2, by hand: mean −log σ(β lr_c − δ) − log σ(−(β lr_r − δ))
        double delta = (m1 + m2) / 2;
        double expected = 0;
        for (PolicyPair p : second) {
            double[] s = CompletionLogProbs.forward(policy.lm(), List.of(p.prompt(), p.prompt()), List.of(p.chosen(), p.rejected()), PAD).sums();
            double rc = 0.5 * (s[0] - p.refChosen()) - delta;
            double rr = 0.5 * (s[1] - p.refRejected()) - delta;
            expected += (Math.log1p(Math.exp(-rc)) + Math.log1p(Math.exp(rr))) / second.size();
        }
        assertEquals(expected, r2.meanLoss(), 1e-9);
        // the driver folds the round (both minibatches) and holds the same δ
        DpoObjective driver = new DpoObjective(config, PAD).withBcoPairDelta(new RunningMoments());
        driver.foldRound(5, r1.add(r2).metricMeans());
        assertEquals((m1 + m2) / 2, driver.bcoPairDelta(), 1e-9);
        // without the option, δ = 0 (TRL v1)
        assertEquals(0.0, new DpoObjective(config, PAD).bcoPairDelta());
    }

    /** mean over the minibatch of β lr_c and β lr_r together. */
    private static double meanReward(LanguageModel policy, List<PolicyPair> batch, double beta) {
        double sum = 0;
        for (PolicyPair p : batch) {
            double[] s = CompletionLogProbs.forward(policy.lm(), List.of(p.prompt(), p.prompt()), List.of(p.chosen(), p.rejected()), PAD).sums();
            sum += beta * (s[0] - p.refChosen()) + beta * (s[1] - p.refRejected());
        }
        return sum / (2 * batch.size());
    }

    /** Several losses in one objective: the loss is the weighted sum of each loss's own, on the same model and batch. */
    @Test
    void mpoObjectiveLossIsTheWeightedSumOfItsLosses() {
        CausalLM reference = CausalLM.initialize(GradientCheck.CONFIG, 1);
        LanguageModel policy = GradientCheck.perturbedPolicy();
        List<PolicyPair> batch = unevenPairs(reference, 4, 6);
        DpoLoss.Config mpo = DpoLoss.Config.defaults().withTerms(DpoLoss.terms(List.of("sigmoid", "bco_pair", "sft"), List.of(0.8, 0.2, 1.0)));
        double sum = 0;
        double[] weights = {0.8, 0.2, 1.0};
        DpoLoss.Type[] types = {DpoLoss.Type.SIGMOID, DpoLoss.Type.BCO_PAIR, DpoLoss.Type.SFT};
        for (int k = 0; k < 3; k++) {
            policy.zeroGradients();
            sum += weights[k] * new DpoObjective(DpoLoss.Config.defaults().withType(types[k]), PAD).lossAndGradients(policy, batch).meanLoss();
        }
        policy.zeroGradients();
        assertEquals(sum, new DpoObjective(mpo, PAD).lossAndGradients(policy, batch).meanLoss(), 1e-12);
    }

    /** Per completion token: {log p(y_t), log Σ_v p(v)²} from the raw logits of one unpadded forward, by hand. */
    private static double[][] tokenStats(CausalLM lm, int[] prompt, int[] completion) {
        int[] all = new int[prompt.length + completion.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(completion, 0, all, prompt.length, completion.length);
        org.nd4j.linalg.api.ndarray.INDArray logits = lm.forward(org.alignspark.common.lm.Batch.of(all));   // [1, T, V]
        int v = (int) logits.size(2);
        double[][] out = new double[completion.length][2];
        for (int k = 0; k < completion.length; k++) {
            int t = prompt.length - 1 + k;   // position t predicts token t + 1
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) {
                max = Math.max(max, logits.getDouble(0, t, j));
            }
            double z = 0;
            for (int j = 0; j < v; j++) {
                z += Math.exp(logits.getDouble(0, t, j) - max);
            }
            double squares = 0;
            for (int j = 0; j < v; j++) {
                double p = Math.exp(logits.getDouble(0, t, j) - max) / z;
                squares += p * p;
            }
            out[k][0] = logits.getDouble(0, t, all[t + 1]) - max - Math.log(z);
            out[k][1] = Math.log(squares);
        }
        return out;
    }

    private static double sum(double[][] stats, int from, int to, double weight) {
        double s = 0;
        for (int k = from; k < to; k++) {
            s += weight * stats[k][0];
        }
        return s;
    }

    /**
     * WPO, LD-DPO and ORPO on the model, against their formulas evaluated from the model's raw logits here (TRL's
     * {@code use_weighting}, {@code ld_alpha}, {@code odds_ratio_loss}): the objective's value, not only its gradient.
     */
    @Test
    void weightedDesensitizedAndOddsRatioLossesMatchTheirFormulasOnTheModel() {
        CausalLM reference = CausalLM.initialize(GradientCheck.CONFIG, 1);
        LanguageModel policy = GradientCheck.perturbedPolicy();
        List<PolicyPair> batch = unevenPairs(reference, 4, 12);
        double beta = 0.5;
        double wpo = 0;
        double ld = 0;
        double orpoOdds = 0;
        double nllSum = 0;
        long nllTokens = 0;
        for (PolicyPair p : batch) {
            double[][] c = tokenStats(policy.lm(), p.prompt(), p.chosen());
            double[][] r = tokenStats(policy.lm(), p.prompt(), p.rejected());
            int lc = c.length;
            int lr = r.length;
            // WPO: ω = exp(mean_t(log p_t − log Σ p²)) for chosen times the same for rejected; ℓ = −log σ(β Δ)
            double wc = 0;
            double wr = 0;
            for (double[] t : c) {
                wc += (t[0] - t[1]) / lc;
            }
            for (double[] t : r) {
                wr += (t[0] - t[1]) / lr;
            }
            double delta = (sum(c, 0, lc, 1) - p.refChosen()) - (sum(r, 0, lr, 1) - p.refRejected());
            wpo += Math.exp(wc) * Math.exp(wr) * Math.log1p(Math.exp(-beta * delta)) / batch.size();
            // LD-DPO α = 0.3: tokens past min(|y_c|, |y_r|) count 0.3, for the policy and the reference alike
            int shared = Math.min(lc, lr);
            double pcLd = sum(c, 0, shared, 1) + sum(c, shared, lc, 0.3);
            double prLd = sum(r, 0, shared, 1) + sum(r, shared, lr, 0.3);
            double rcLd = 0;
            double rrLd = 0;
            for (int k = 0; k < lc; k++) {
                rcLd += (k < shared ? 1 : 0.3) * p.refTokensChosen()[k];
            }
            for (int k = 0; k < lr; k++) {
                rrLd += (k < shared ? 1 : 0.3) * p.refTokensRejected()[k];
            }
            ld += Math.log1p(Math.exp(-beta * ((pcLd - rcLd) - (prLd - rrLd)))) / batch.size();
            // ORPO: odds of the mean token log-probs; NLL over the chosen row's tokens after the first
            double ac = sum(c, 0, lc, 1) / lc;
            double ar = sum(r, 0, lr, 1) / lr;
            double logOdds = (ac - ar) - (Math.log(1 - Math.exp(ac)) - Math.log(1 - Math.exp(ar)));
            orpoOdds += -beta * -Math.log1p(Math.exp(-logOdds)) / batch.size();
            int[] rest = java.util.Arrays.copyOfRange(p.prompt(), 1, p.prompt().length);
            int[] tail = new int[rest.length + lc];
            System.arraycopy(rest, 0, tail, 0, rest.length);
            System.arraycopy(p.chosen(), 0, tail, rest.length, lc);
            double[][] whole = tokenStats(policy.lm(), new int[] {p.prompt()[0]}, tail);
            nllSum -= sum(whole, 0, whole.length, 1);
            nllTokens += whole.length;
        }
        DpoLoss.Config sigmoid = new DpoLoss.Config(beta, DpoLoss.Type.SIGMOID, 0, false, 0);
        assertEquals(wpo, new DpoObjective(sigmoid.withWeighting(true), PAD).lossAndGradients(policy, batch).meanLoss(), 1e-9);
        assertEquals(ld, new DpoObjective(sigmoid.withLdAlpha(0.3), PAD).lossAndGradients(policy, batch).meanLoss(), 1e-9);
        assertEquals(nllSum / nllTokens + orpoOdds, new DpoObjective(new DpoLoss.Config(beta, DpoLoss.Type.ORPO, 0, false, 0), PAD)
                .lossAndGradients(policy, batch).meanLoss(), 1e-9);
    }

    @Test
    void ldDpoWithoutReferenceTokenLogpsNamesTheStageThatWritesThem() {
        CausalLM reference = CausalLM.initialize(GradientCheck.CONFIG, 1);
        DpoObjective objective = new DpoObjective(DpoLoss.Config.defaults().withLdAlpha(0.5), PAD);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> objective.lossAndGradients(GradientCheck.perturbedPolicy(), pairs(reference, 2, 3)));
        assertTrue(e.getMessage().contains("ref-logprobs --token-logps"), e.getMessage());
    }

    @Test
    void everyLossTypeGradientMatchesCentralDifferences() {
        for (DpoLoss.Type type : new DpoLoss.Type[] {DpoLoss.Type.SIGMOID, DpoLoss.Type.ROBUST, DpoLoss.Type.HINGE, DpoLoss.Type.IPO}) {
            CausalLM reference = CausalLM.initialize(GradientCheck.CONFIG, 1);
            // ROBUST at ε = 0 is SIGMOID, so it is checked at ε = 0.2, where its −ε log σ(−z) term is live
            double smoothing = type == DpoLoss.Type.ROBUST ? 0.2 : 0;
            DpoLoss.Config config = new DpoLoss.Config(0.5, type, smoothing, false, type == DpoLoss.Type.SIGMOID ? 0.5 : 0);
            GradientCheck.assertMatches(type.toString(), () -> new DpoObjective(config, PAD), GradientCheck.perturbedPolicy(),
                    pairs(reference, 3, 7));
        }
    }

    @Test
    void dpoRaisesImplicitRewardAccuracyOnHeldOutPairs() {
        ModelConfig config = ModelConfig.gpt2(16, 16, 1, 2, 16);
        CausalLM reference = CausalLM.initialize(config, 3);
        LanguageModel policy = new LanguageModel(CausalLM.initialize(config, 3));
        DpoObjective objective = new DpoObjective(DpoLoss.Config.defaults().withType(DpoLoss.Type.SIGMOID), PAD);
        Optimizer adam = new Optimizer(OptimizerConfig.adamW(new LearningRateSchedule(0.01, 3, 60, LearningRateSchedule.Shape.COSINE), 0, 1), policy);
        List<PolicyPair> train = pairs(reference, 64, 1);
        for (int step = 0; step < 60; step++) {
            policy.zeroGradients();
            objective.lossAndGradients(policy, train.subList((step * 8) % 64, (step * 8) % 64 + 8));
            adam.step(step, 0);
        }
        List<PolicyPair> held = pairs(reference, 100, 2);
        long correct = held.stream().filter(p -> {
            double[] s = CompletionLogProbs.forward(policy.lm(), List.of(p.prompt(), p.prompt()), List.of(p.chosen(), p.rejected()), PAD).sums();
            return (s[0] - p.refChosen()) > (s[1] - p.refRejected());
        }).count();
        assertTrue(correct >= 90, "held-out implicit-reward accuracy " + correct + "/100");
    }
}
