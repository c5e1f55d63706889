package org.alignspark.common.objectives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.alignspark.common.objectives.DpoLoss.Config;
import org.alignspark.common.objectives.DpoLoss.FDivergence;
import org.alignspark.common.objectives.DpoLoss.Term;
import org.alignspark.common.objectives.DpoLoss.Type;
import org.alignspark.common.testing.FiniteDifference;
import org.junit.jupiter.api.Test;

/**
 * The losses TRL v1's DPOTrainer, CPOTrainer (SimPO) and ORPOTrainer add to DPO, each against its published formula
 * evaluated by hand here (TRL {@code dpo_trainer.py::_compute_loss}, {@code cpo_trainer.py::cpo_loss},
 * {@code orpo_trainer.py::odds_ratio_loss}), and each gradient against central differences.
 */
class PairwiseLossesTest {
    // logp_θ(y_c) = −10, logp_θ(y_r) = −12, logp_ref = −11 both: lr_c = +1, lr_r = −1, Δ = 2; |y_c| = 4, |y_r| = 5;
    // the chosen row's 3 scored prompt tokens sum to −6 (ORPO)
    private static final PreferenceLogps PAIR = new PreferenceLogps(new double[] {-10}, new double[] {-12},
            new double[] {-11}, new double[] {-11}, new int[] {4}, new int[] {5}).withChosenPrompt(new double[] {-6}, new int[] {3});
    private static final double BETA = 0.1;

    private static double sigma(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static double logSigma(double x) {
        return Math.log(sigma(x));
    }

    private static double loss(Type type, PreferenceLogps b) {
        return DpoLoss.compute(Config.defaults().withType(type), b).loss();
    }

    @Test
    void exoPairIsTheReverseKlFromTheSmoothedLabel() {
        // EXO Eq. 16, ε = 1e-3: σ(0.2)(log σ(0.2) − log 0.999) + σ(−0.2)(log σ(−0.2) − log 0.001)
        double expected = sigma(0.2) * (logSigma(0.2) - Math.log(0.999)) + sigma(-0.2) * (logSigma(-0.2) - Math.log(0.001));
        assertEquals(expected, loss(Type.EXO_PAIR, PAIR), 1e-12);
        double eps = 0.1;
        double smoothed = sigma(0.2) * (logSigma(0.2) - Math.log(0.9)) + sigma(-0.2) * (logSigma(-0.2) - Math.log(0.1));
        assertEquals(smoothed, DpoLoss.compute(Config.defaults().withType(Type.EXO_PAIR).withExoEpsilon(eps), PAIR).loss(), 1e-12);
    }

    @Test
    void ncaPairScoresEachResponseOnItsOwn() {
        // r_c = 0.1, r_r = −0.1: −log σ(0.1) − ½ log σ(−0.1) − ½ log σ(0.1)
        double expected = -logSigma(0.1) - 0.5 * logSigma(-0.1) - 0.5 * logSigma(0.1);
        assertEquals(expected, loss(Type.NCA_PAIR, PAIR), 1e-12);
    }

    @Test
    void bcoPairClassifiesChosenAsOneAndRejectedAsZero() {
        // −log σ(0.1) − log σ(−(−0.1)) = 2 · log(1 + e^{−0.1}) = 1.288794
        assertEquals(2 * Math.log(1 + Math.exp(-0.1)), loss(Type.BCO_PAIR, PAIR), 1e-12);
        assertEquals(1.288794, loss(Type.BCO_PAIR, PAIR), 1e-6);
        // TRL ≤ v0.24's shift δ = 0.05: −log σ(0.1 − 0.05) − log σ(−(−0.1 − 0.05))
        double shifted = -logSigma(0.05) - logSigma(0.15);
        assertEquals(shifted, DpoLoss.compute(Config.defaults().withType(Type.BCO_PAIR), PAIR, 0.05).loss(), 1e-12);
    }

    @Test
    void sppoHardPushesRewardsToPlusAndMinusOneHalf() {
        // (1 − 0.5/0.1)² + (−1 + 0.5/0.1)² = (−4)² + 4² = 32
        assertEquals(32.0, loss(Type.SPPO_HARD, PAIR), 1e-12);
    }

    @Test
    void aotComparesSortedQuantilesAcrossTheBatch() {
        // policy margins logp_c − logp_r: pair 0: −1 − (−4) = 3, pair 1: −2 − (−2.5) = 0.5 → sorted (0.5, 3)
        // reference margins: pair 0: −2 − (−2) = 0, pair 1: −1 − (−3) = 2       → sorted (0, 2)
        // δ = (0.5 − 0, 3 − 2) = (0.5, 1); loss = mean −log σ(0.1 δ)
        PreferenceLogps b = PreferenceLogps.of(new double[] {-1, -2}, new double[] {-4, -2.5}, new double[] {-2, -1},
                new double[] {-2, -3});
        double expected = (-logSigma(0.05) - logSigma(0.1)) / 2;
        assertEquals(expected, loss(Type.AOT, b), 1e-12);
        // unpaired: lr_c = (1, −1) → sorted (−1, 1); lr_r = (−2, 0.5) → sorted (−2, 0.5); δ = (1, 0.5)
        assertEquals((-logSigma(0.1) - logSigma(0.05)) / 2, loss(Type.AOT_UNPAIRED, b), 1e-12);
        // label smoothing mixes in the flipped quantile, as cDPO: 0.9·(−log σ(0.1δ)) + 0.1·(−log σ(−0.1δ))
        double smoothed = (0.9 * (-logSigma(0.05) - logSigma(0.1)) + 0.1 * (-logSigma(-0.05) - logSigma(-0.1))) / 2;
        assertEquals(smoothed, DpoLoss.compute(Config.defaults().withType(Type.AOT).withLabelSmoothing(0.1), b).loss(), 1e-12);
    }

    @Test
    void apoAnchorsChosenAndRejectedSeparately() {
        // APO-zero Eq. 7: 1 − σ(0.1) + σ(−0.1); APO-down Eq. 8: σ(0.1) + 1 − σ(0.2)
        assertEquals(1 - sigma(0.1) + sigma(-0.1), loss(Type.APO_ZERO, PAIR), 1e-12);
        assertEquals(sigma(0.1) + 1 - sigma(0.2), loss(Type.APO_DOWN, PAIR), 1e-12);
    }

    @Test
    void discopopBlendsLogisticAndExponentialByTheModulatedMargin() {
        // z = 0.2, τ = 0.05: m = σ(4); (1 − m)·log(1 + e^{−0.2}) + m·e^{−0.2}
        double m = sigma(0.2 / 0.05);
        double expected = (1 - m) * Math.log(1 + Math.exp(-0.2)) + m * Math.exp(-0.2);
        assertEquals(expected, loss(Type.DISCOPOP, PAIR), 1e-12);
        double m2 = sigma(0.2 / 0.5);
        assertEquals((1 - m2) * Math.log(1 + Math.exp(-0.2)) + m2 * Math.exp(-0.2),
                DpoLoss.compute(Config.defaults().withType(Type.DISCOPOP).withDiscopopTau(0.5), PAIR).loss(), 1e-12);
    }

    /**
     * A property of the published loss, not of this code: with τ = 0.05, at z = 0 the slope is
     * −σ(0)(1 − m) − e⁰m + m′(e⁰ − log 2) with m = ½, m′ = ¼/τ = 5: −0.25 − 0.5 + 5(1 − log 2) = 0.784 &gt; 0, so gradient
     * descent lowers a zero margin; with τ = 1 (m′ = ¼) it is −0.25 − 0.5 + 0.25(1 − log 2) = −0.673 and raises it.
     */
    @Test
    void discopopWithThePapersTauPushesAZeroMarginDown() {
        PreferenceLogps tie = PreferenceLogps.of(new double[] {-10}, new double[] {-12}, new double[] {-10}, new double[] {-12});
        // ∂loss/∂logp_c = β · dℓ/dz
        double slope = -0.25 - 0.5 + 5 * (1 - Math.log(2));
        assertEquals(BETA * slope, DpoLoss.compute(Config.defaults().withType(Type.DISCOPOP), tie).dPolicyChosen()[0], 1e-12);
        double slopeTau1 = -0.25 - 0.5 + 0.25 * (1 - Math.log(2));
        assertEquals(BETA * slopeTau1, DpoLoss.compute(Config.defaults().withType(Type.DISCOPOP).withDiscopopTau(1), tie)
                .dPolicyChosen()[0], 1e-12);
    }

    @Test
    void sftIsTheTokenMeanNllOfChosenCompletions() {
        // two pairs: −(−10 − 3) / (4 + 2) = 13/6 for every pair, whatever the rejected or the reference
        PreferenceLogps b = new PreferenceLogps(new double[] {-10, -3}, new double[] {-1, -1}, null, null,
                new int[] {4, 2}, new int[] {5, 5});
        DpoLoss.Result r = DpoLoss.compute(Config.defaults().withType(Type.SFT), b);
        assertEquals(13.0 / 6, r.loss(), 1e-12);
        assertEquals(13.0 / 6, r.metrics().get("nll_loss"), 1e-12);
        assertEquals(-1.0 / 6, r.dRawChosen()[0], 1e-12);   // ∂/∂(summed logp) = −1/Σ|y_c|
        assertEquals(0.0, r.dPolicyRejected()[1]);
    }

    @Test
    void sigmoidNormDividesEachLogRatioByItsLength() {
        // z = 0.1 · (1/4 − (−1)/5) = 0.045; −log σ(0.045)
        assertEquals(-logSigma(0.045), loss(Type.SIGMOID_NORM, PAIR), 1e-12);
    }

    @Test
    void simpoIsReferenceFreeWithATargetMargin() {
        // mean token logps −10/4 = −2.5 and −12/5 = −2.4; z = 0.1 · (−2.5 + 2.4) − γ(0.5) = −0.51; −log σ(−0.51)
        Config simpo = Config.defaults().withType(Type.SIMPO);
        assertFalse(simpo.needsReference());
        PreferenceLogps noRef = new PreferenceLogps(new double[] {-10}, new double[] {-12}, null, null, new int[] {4}, new int[] {5});
        DpoLoss.Result r = DpoLoss.compute(simpo, noRef);
        assertEquals(-logSigma(-0.51), r.loss(), 1e-12);
        assertEquals(Math.log(1 + Math.exp(0.51)), r.loss(), 1e-12);
        // γ = 1: z = −0.01 − 1 = −1.01
        assertEquals(-logSigma(-1.01), DpoLoss.compute(simpo.withSimpoGamma(1.0), noRef).loss(), 1e-12);
        // CPO's label smoothing: 0.9·(−log σ(−0.51)) + 0.1·(−log σ(0.51))
        assertEquals(0.9 * -logSigma(-0.51) + 0.1 * -logSigma(0.51), DpoLoss.compute(simpo.withLabelSmoothing(0.1), noRef).loss(), 1e-12);
        // logged as CPOTrainer logs: rewards β · mean token logp, logps the mean token logps
        assertEquals(-0.25, r.metrics().get("rewards/chosen"), 1e-12);
        assertEquals(-0.24, r.metrics().get("rewards/rejected"), 1e-12);
        assertEquals(0.0, r.metrics().get("rewards/accuracies"));
        assertEquals(-2.5, r.metrics().get("logps/chosen"), 1e-12);
        assertFalse(r.metrics().containsKey("logps/chosen_below_ref"));
    }

    @Test
    void orpoAddsTheOddsRatioToTheWholeSequenceNll() {
        // ā_c = −2.5, ā_r = −2.4; log odds = (ā_c − ā_r) − (log(1 − e^{ā_c}) − log(1 − e^{ā_r}))
        double logOdds = (-2.5 + 2.4) - (Math.log(1 - Math.exp(-2.5)) - Math.log(1 - Math.exp(-2.4)));
        // NLL over the chosen row's prompt (3 tokens, −6) and completion (4 tokens, −10): 16/7
        double nll = 16.0 / 7;
        DpoLoss.Result r = DpoLoss.compute(Config.defaults().withType(Type.ORPO), PAIR);
        assertEquals(nll - BETA * logSigma(logOdds), r.loss(), 1e-12);
        assertEquals(nll, r.metrics().get("nll_loss"), 1e-12);
        assertEquals(logOdds, r.metrics().get("log_odds_chosen"), 1e-12);
        assertEquals(logSigma(logOdds), r.metrics().get("log_odds_ratio"), 1e-12);
        assertEquals(-1.0 / 7, r.dPromptChosen()[0], 1e-12);
        PreferenceLogps noPrompt = new PreferenceLogps(new double[] {-10}, new double[] {-12}, null, null, new int[] {4}, new int[] {5});
        assertThrows(IllegalArgumentException.class, () -> DpoLoss.compute(Config.defaults().withType(Type.ORPO), noPrompt));
    }

    @Test
    void fDivergencesReplaceTheLogRatioByTheirScore() {
        // lr_c = 0.5, lr_r = −2 (logp −1, −3 against −1.5, −1)
        PreferenceLogps b = PreferenceLogps.of(new double[] {-1}, new double[] {-3}, new double[] {-1.5}, new double[] {-1});
        Config sigmoid = Config.defaults();
        assertEquals(-logSigma(0.1 * 2.5), DpoLoss.compute(sigmoid, b).loss(), 1e-12);
        // JS: log σ(0.5) − log σ(−2)
        double js = logSigma(0.5) - logSigma(-2);
        assertEquals(-logSigma(0.1 * js), DpoLoss.compute(sigmoid.withFDivergence(FDivergence.JS_DIVERGENCE, 0.5), b).loss(), 1e-12);
        // forward KL: −e^{−0.5} − (−e^{2})
        double fkl = -Math.exp(-0.5) + Math.exp(2);
        assertEquals(-logSigma(0.1 * fkl), DpoLoss.compute(sigmoid.withFDivergence(FDivergence.FORWARD_KL, 0.5), b).loss(), 1e-12);
        // α = 0.5: e^{−0.5·0.5}/(−0.5) − e^{−0.5·(−2)}/(−0.5) = 2(e − e^{−0.25})
        double alpha = 2 * (Math.E - Math.exp(-0.25));
        assertEquals(-logSigma(0.1 * alpha), DpoLoss.compute(sigmoid.withFDivergence(FDivergence.ALPHA_DIVERGENCE, 0.5), b).loss(), 1e-12);
        // α = 1 is reverse KL
        assertEquals(-logSigma(0.25), DpoLoss.compute(sigmoid.withFDivergence(FDivergence.ALPHA_DIVERGENCE, 1.0), b).loss(), 1e-12);
        // the logged rewards stay β · plain log-ratio
        assertEquals(0.05, DpoLoss.compute(sigmoid.withFDivergence(FDivergence.JS_DIVERGENCE, 0.5), b).metrics().get("rewards/chosen"), 1e-12);
    }

    @Test
    void mpoSumsEachLossMeanTimesItsWeight() {
        // sigmoid 0.8, bco_pair 0.2, sft 1.0 on the worked pair:
        // 0.8 · log(1 + e^{−0.2}) + 0.2 · 2 log(1 + e^{−0.1}) + 1.0 · 10/4
        Config mpo = Config.defaults().withTerms(DpoLoss.terms(List.of("sigmoid", "bco_pair", "sft"), List.of(0.8, 0.2, 1.0)));
        double expected = 0.8 * Math.log(1 + Math.exp(-0.2)) + 0.2 * 2 * Math.log(1 + Math.exp(-0.1)) + 2.5;
        assertEquals(expected, DpoLoss.compute(mpo, PAIR).loss(), 1e-12);
        assertEquals("sigmoid,bco_pair,sft", mpo.names());
        // weights default to 1
        Config unweighted = Config.defaults().withTerms(DpoLoss.terms(List.of("sigmoid", "sft"), List.of()));
        assertEquals(Math.log(1 + Math.exp(-0.2)) + 2.5, DpoLoss.compute(unweighted, PAIR).loss(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> DpoLoss.terms(List.of("sigmoid", "sft"), List.of(1.0)));
        assertThrows(IllegalArgumentException.class, () -> DpoLoss.terms(List.of("dpo"), List.of()));
    }

    @Test
    void wpoWeightsEachPairByItsPolicyProbabilities() {
        // two tokens with p = 0.5 of {0.5, 0.5} and p = 0.25 of {0.25, 0.75}: Σ p² = 0.5 and 0.625;
        // w = exp(½ (log(0.5/0.5) + log(0.25/0.625))) = √0.4
        double w = WpoWeight.of(new double[] {Math.log(0.5), Math.log(0.25)}, new double[] {Math.log(0.5), Math.log(0.625)});
        assertEquals(Math.sqrt(0.4), w, 1e-12);
        // two pairs weighted 0.3 and 0.9: mean(ω ℓ)
        PreferenceLogps b = PreferenceLogps.of(new double[] {-10, -4}, new double[] {-12, -6}, new double[] {-11, -5},
                new double[] {-11, -5}).withPairWeights(new double[] {0.3, 0.9});
        double expected = (0.3 * Math.log(1 + Math.exp(-0.2)) + 0.9 * Math.log(1 + Math.exp(-0.2))) / 2;
        assertEquals(expected, DpoLoss.compute(Config.defaults().withWeighting(true), b).loss(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Config.defaults().withType(Type.AOT).withWeighting(true));
    }

    @Test
    void ldDpoCountsTheLongerResponsesTailByAlpha() {
        // tokens −1, −2, −3 with a shared prefix of 1: −1 + 0.5 · (−2 − 3) = −3.5
        assertEquals(-3.5, LengthDesensitization.weightedSum(new double[] {-1, -2, -3}, 1, 0.5), 1e-12);
        assertEquals(-6.0, LengthDesensitization.weightedSum(new double[] {-1, -2, -3}, 1, 1.0), 1e-12);
        assertEquals(-1.0, LengthDesensitization.weightedSum(new double[] {-1, -2, -3}, 1, 0.0), 1e-12);
    }

    @Test
    void referenceFreeLossesNeedNoReferenceColumns() {
        for (Type t : new Type[] {Type.SIMPO, Type.ORPO, Type.SFT}) {
            assertFalse(Config.defaults().withType(t).needsReference(), t.toString());
        }
        assertTrue(Config.defaults().withType(Type.EXO_PAIR).needsReference());
        assertFalse(Config.defaults().withType(Type.EXO_PAIR).withReferenceFree(true).needsReference());
        Config mixed = Config.defaults().withTerms(DpoLoss.terms(List.of("simpo", "apo_zero"), List.of()));
        assertTrue(mixed.needsReference());
        PreferenceLogps noRef = new PreferenceLogps(new double[] {-10}, new double[] {-12}, null, null, new int[] {4}, new int[] {5});
        assertThrows(IllegalArgumentException.class, () -> DpoLoss.compute(mixed, noRef));
    }

    /** Six pairs, none at a kink (hinge) or a tie (AOT's sort). */
    private static PreferenceLogps randomBatch(long seed) {
        Random rnd = new Random(seed);
        int n = 6;
        double[] pc = new double[n];
        double[] pr = new double[n];
        double[] rc = new double[n];
        double[] rr = new double[n];
        int[] lc = new int[n];
        int[] lr = new int[n];
        double[] prompt = new double[n];
        int[] promptTokens = new int[n];
        for (int i = 0; i < n; i++) {
            lc[i] = 1 + rnd.nextInt(6);
            lr[i] = 1 + rnd.nextInt(6);
            pc[i] = -lc[i] * (0.3 + 2 * rnd.nextDouble());
            pr[i] = -lr[i] * (0.3 + 2 * rnd.nextDouble());
            rc[i] = pc[i] + rnd.nextGaussian();
            rr[i] = pr[i] + rnd.nextGaussian();
            promptTokens[i] = 1 + rnd.nextInt(4);
            prompt[i] = -promptTokens[i] * rnd.nextDouble() * 3;
        }
        return new PreferenceLogps(pc, pr, rc, rr, lc, lr, null, prompt, promptTokens, null);
    }

    @Test
    void everyLossGradientMatchesCentralDifferences() {
        List<Config> configs = new ArrayList<>();
        for (Type t : Type.values()) {
            configs.add(new Config(0.7, t, 0, false, 0));
        }
        configs.add(new Config(0.7, Type.AOT, 0.2, false, 0));
        configs.add(new Config(0.7, Type.SIMPO, 0.15, false, 0).withSimpoGamma(0.3));
        configs.add(new Config(0.7, Type.EXO_PAIR, 0, false, 0).withExoEpsilon(0.05));
        configs.add(new Config(0.7, Type.DISCOPOP, 0, false, 0).withDiscopopTau(0.3));
        for (FDivergence f : FDivergence.values()) {
            for (Type t : new Type[] {Type.SIGMOID, Type.IPO, Type.NCA_PAIR, Type.BCO_PAIR, Type.SPPO_HARD, Type.APO_DOWN,
                    Type.SIGMOID_NORM, Type.EXO_PAIR, Type.DISCOPOP, Type.HINGE, Type.ROBUST}) {
                configs.add(new Config(0.7, t, t == Type.ROBUST ? 0.1 : 0, false, 0).withFDivergence(f, 0.4));
            }
        }
        configs.add(Config.defaults().withTerms(DpoLoss.terms(List.of("sigmoid", "bco_pair", "sft", "orpo", "aot_unpaired"),
                List.of(0.8, 0.2, 1.0, 0.3, 0.5))).withRpoAlpha(0.4));
        configs.add(Config.defaults().withType(Type.APO_ZERO).withReferenceFree(true));
        for (long seed = 1; seed <= 3; seed++) {
            PreferenceLogps b = randomBatch(seed);
            for (Config cfg : configs) {
                checkGradients(cfg, b);
            }
        }
        // WPO: the weights are constants of the step
        Random rnd = new Random(4);
        double[] omega = rnd.doubles(6, 0.1, 1.5).toArray();
        for (Type t : new Type[] {Type.SIGMOID, Type.SFT, Type.ORPO, Type.SIMPO, Type.IPO}) {
            checkGradients(new Config(0.7, t, 0, false, 0).withWeighting(true), randomBatch(5).withPairWeights(omega));
        }
    }

    private static void checkGradients(Config cfg, PreferenceLogps b) {
        DpoLoss.Result r = DpoLoss.compute(cfg, b);
        double[] pc = b.policyChosen();
        double[] pr = b.policyRejected();
        double[] raw = pc.clone();
        PreferenceLogps split = b.withRawChosen(raw);   // the two chosen inputs apart, as under LD-DPO
        FiniteDifference.assertGradient(x -> DpoLoss.compute(cfg, split.withPolicy(x, pr)).loss(), pc, r.dPolicyChosen());
        FiniteDifference.assertGradient(x -> DpoLoss.compute(cfg, split.withPolicy(pc, x)).loss(), pr, r.dPolicyRejected());
        FiniteDifference.assertGradient(x -> DpoLoss.compute(cfg, split.withRawChosen(x)).loss(), raw, r.dRawChosen());
        FiniteDifference.assertGradient(x -> DpoLoss.compute(cfg, split.withChosenPrompt(x, b.chosenPromptTokens())).loss(),
                b.chosenPromptLogps(), r.dPromptChosen());
    }

    @Test
    void weightsAreCheckedAgainstTheLosses() {
        assertThrows(IllegalArgumentException.class, () -> Config.defaults().withType(Type.HINGE).withLabelSmoothing(0.1));
        assertThrows(IllegalArgumentException.class, () -> Config.defaults().withExoEpsilon(0));
        assertThrows(IllegalArgumentException.class, () -> Config.defaults().withLdAlpha(1.5));
        // robust keeps its [0, 0.5) range inside a mix
        assertThrows(IllegalArgumentException.class, () -> Config.defaults()
                .withTerms(List.of(new Term(Type.SIGMOID, 1), new Term(Type.ROBUST, 1))).withLabelSmoothing(0.6));
    }
}
