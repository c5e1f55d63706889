package org.alignspark.common.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.objectives.DpoLoss;
import org.alignspark.common.objectives.LengthDesensitization;
import org.alignspark.common.objectives.PreferenceLogps;
import org.alignspark.common.objectives.RunningMoments;
import org.alignspark.common.objectives.TrlMetricNames;
import org.alignspark.common.objectives.WpoWeight;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.train.BatchResult;
import org.alignspark.common.train.Objective;

/**
 * The pairwise preference losses of common's {@link DpoLoss} (the DPO family, SimPO, ORPO, and weighted sums of them)
 * on a causal LM: chosen and rejected completions of a minibatch are scored in one forward pass (with the chosen
 * prompts' tokens too for ORPO's NLL), the sequence log-probs are LD-DPO-weighted when {@code ldAlpha} is set
 * ({@link LengthDesensitization}, the reference's from its stored per-token log-probs), pairs carry WPO weights from the
 * policy's own token distributions when weighting ({@link WpoWeight}), and the loss's gradients flow back through
 * each token. Besides TRL's metrics it records the likelihood-displacement signal of "Unintentional Unalignment"
 * (Razin et al.): the share of pairs whose chosen log-prob is below its reference value.
 * <p>
 * bco_pair's reward shift δ as TRL ≤ v0.24 computed it (TRL v1 has δ = 0), when built with {@link #withBcoPairDelta}:
 * before each minibatch's loss, the minibatch's mean implicit reward over its chosen and rejected completions,
 * mean(β lr_c ∪ β lr_r), is folded into a {@link RunningMoments} as one value (TRL folds one batch mean per rank and
 * step), and δ is that running mean. Across parameter averaging it is carried as {@link BcoObjective} carries BCO's δ:
 * the driver owns the moments, each round's workers start from them, and {@link #foldRound} folds the round's
 * minibatch means in after it ({@link #BATCH_REWARD}, {@link #BATCH_REWARD_SQUARED} and {@link #BATCHES}, kept in
 * every round's metrics, so a resumed run folds the checkpointed rounds again).
 */
public final class DpoObjective implements Objective<PolicyPair, LanguageModel> {
    /** Σ over a round's minibatches of each one's mean implicit reward, per example (not a TRL key). */
    public static final String BATCH_REWARD = "bco_pair/batch_reward";
    /** The same for the squared minibatch means (not a TRL key). */
    public static final String BATCH_REWARD_SQUARED = "bco_pair/batch_reward_squared";
    /** Minibatches of the round, per example (not a TRL key). */
    public static final String BATCHES = "bco_pair/batches";

    private final DpoLoss.Config loss;
    private final int padId;
    private final RunningMoments bcoPairMoments;   // null: δ = 0 (TRL v1)

    public DpoObjective(DpoLoss.Config loss, int padId) {
        this(loss, padId, null);
    }

    private DpoObjective(DpoLoss.Config loss, int padId, RunningMoments bcoPairMoments) {
        this.loss = loss;
        this.padId = padId;
        this.bcoPairMoments = bcoPairMoments;
    }

    /** With TRL ≤ v0.24's running δ for bco_pair, from {@code moments} (a fresh {@link RunningMoments} at the start). */
    public DpoObjective withBcoPairDelta(RunningMoments moments) {
        if (!loss.has(DpoLoss.Type.BCO_PAIR)) {
            throw new IllegalArgumentException("the running δ is bco_pair's; the losses are " + loss.names());
        }
        if (!loss.needsReference()) {
            throw new IllegalArgumentException("bco_pair's δ is a mean of implicit rewards β·log π/π_ref: it needs the reference");
        }
        return new DpoObjective(loss, padId, moments);
    }

    public DpoLoss.Config loss() {
        return loss;
    }

    public int padId() {
        return padId;
    }

    @Override
    public BatchResult lossAndGradients(LanguageModel model, List<PolicyPair> batch) {
        int n = batch.size();
        List<int[]> prompts = new ArrayList<>(2 * n);
        List<int[]> completions = new ArrayList<>(2 * n);
        for (PolicyPair p : batch) {
            prompts.add(p.prompt());
            completions.add(p.chosen());
        }
        for (PolicyPair p : batch) {
            prompts.add(p.prompt());
            completions.add(p.rejected());
        }
        boolean orpo = loss.has(DpoLoss.Type.ORPO);
        CompletionLogProbs scored = CompletionLogProbs.forward(model.lm(), prompts, completions, Batch.Padding.RIGHT,
                padId, orpo);                                                                        // [2n]
        double[] rawChosen = Arrays.copyOfRange(scored.sums(), 0, n);
        double[] chosen = rawChosen.clone();
        double[] rejected = Arrays.copyOfRange(scored.sums(), n, 2 * n);
        int[] chosenLengths = Arrays.copyOfRange(scored.lengths(), 0, n);
        int[] rejectedLengths = Arrays.copyOfRange(scored.lengths(), n, 2 * n);
        boolean ld = loss.lengthDesensitized();
        int[] shared = new int[n];
        for (int i = 0; i < n; i++) {
            shared[i] = Math.min(chosenLengths[i], rejectedLengths[i]);
            if (ld) {
                chosen[i] = LengthDesensitization.weightedSum(scored.tokenLogProbs(i), shared[i], loss.ldAlpha());
                rejected[i] = LengthDesensitization.weightedSum(scored.tokenLogProbs(n + i), shared[i], loss.ldAlpha());
            }
        }
        double[] refChosen = null;
        double[] refRejected = null;
        if (loss.needsReference()) {
            refChosen = new double[n];
            refRejected = new double[n];
            for (int i = 0; i < n; i++) {
                PolicyPair p = batch.get(i);
                if (ld) {
                    refChosen[i] = referenceTokens(p, p.refTokensChosen(), chosenLengths[i], shared[i]);
                    refRejected[i] = referenceTokens(p, p.refTokensRejected(), rejectedLengths[i], shared[i]);
                } else {
                    if (Double.isNaN(p.refChosen()) || Double.isNaN(p.refRejected())) {
                        throw new IllegalArgumentException("pair " + p.pairId() + " has no reference log-probs, which "
                                + loss.names() + " needs");
                    }
                    refChosen[i] = p.refChosen();
                    refRejected[i] = p.refRejected();
                }
            }
        }
        PreferenceLogps logps = new PreferenceLogps(chosen, rejected, refChosen, refRejected, chosenLengths, rejectedLengths,
                rawChosen, orpo ? Arrays.copyOfRange(scored.promptSums(), 0, n) : null,
                orpo ? Arrays.copyOfRange(scored.promptTokens(), 0, n) : null, loss.useWeighting() ? wpoWeights(scored, n) : null);
        double delta = 0;
        double batchReward = 0;
        if (bcoPairMoments != null) {
            for (int i = 0; i < n; i++) {
                batchReward += loss.beta() * ((chosen[i] - refChosen[i]) + (rejected[i] - refRejected[i])) / (2.0 * n);
            }
            bcoPairMoments.update(1, batchReward, 0);
            delta = bcoPairMoments.mean();
        }
        DpoLoss.Result result = DpoLoss.compute(loss, logps, delta);

        double[][] dTokens = new double[2 * n][];
        for (int i = 0; i < n; i++) {
            dTokens[i] = new double[chosenLengths[i]];
            dTokens[n + i] = new double[rejectedLengths[i]];
            for (int t = 0; t < chosenLengths[i]; t++) {
                double w = ld ? LengthDesensitization.weight(t, shared[i], loss.ldAlpha()) : 1.0;
                dTokens[i][t] = result.dPolicyChosen()[i] * w + result.dRawChosen()[i];
            }
            for (int t = 0; t < rejectedLengths[i]; t++) {
                double w = ld ? LengthDesensitization.weight(t, shared[i], loss.ldAlpha()) : 1.0;
                dTokens[n + i][t] = result.dPolicyRejected()[i] * w;
            }
        }
        double[] dPrompt = null;
        if (orpo) {
            dPrompt = new double[2 * n];
            System.arraycopy(result.dPromptChosen(), 0, dPrompt, 0, n);
        }
        scored.backwardTokens(dTokens, dPrompt);

        long tokens = 0;   // every token forwarded (prompt twice, both completions), as tokens() and the other objectives count
        for (PolicyPair p : batch) {
            tokens += tokens(p);
        }
        BatchResult out = model.withActivationBytes(new BatchResult(result.loss() * n, n, tokens));
        for (Map.Entry<String, Double> metric : result.metrics().entrySet()) {
            out.metricSum(metric.getKey(), metric.getValue() * n);
        }
        if (bcoPairMoments != null) {
            out.metricSum(TrlMetricNames.DELTA, delta * n).metricSum(BATCH_REWARD, batchReward)
                    .metricSum(BATCH_REWARD_SQUARED, batchReward * batchReward).metricSum(BATCHES, 1);
        }
        return out;   // DpoLoss's metrics already hold the likelihood-displacement share
    }

    /** Folds a finished round's minibatch means into the driver's moments ({@code examples} pairs, the round's metric means). */
    public void foldRound(long examples, Map<String, Double> metricMeans) {
        if (bcoPairMoments == null || examples == 0) {
            return;
        }
        Double batches = metricMeans.get(BATCHES);
        Double sum = metricMeans.get(BATCH_REWARD);
        Double squares = metricMeans.get(BATCH_REWARD_SQUARED);
        if (batches == null || sum == null || squares == null) {
            throw new IllegalArgumentException("round metrics lack " + BATCHES + " / " + BATCH_REWARD + " / " + BATCH_REWARD_SQUARED);
        }
        double count = batches * examples;
        double mean = sum / batches;
        bcoPairMoments.update(Math.round(count), mean, Math.max(0, squares / batches - mean * mean));
    }

    /** The driver's current δ of bco_pair (0 without the running shift). */
    public double bcoPairDelta() {
        return bcoPairMoments == null ? 0.0 : bcoPairMoments.mean();
    }

    /** The reference's LD-DPO sequence log-prob from its stored per-token log-probs. */
    private double referenceTokens(PolicyPair p, double[] tokens, int length, int shared) {
        if (tokens == null) {
            throw new IllegalArgumentException("pair " + p.pairId() + " has no per-token reference log-probs, which --ld-alpha "
                    + "needs (ref-logprobs --token-logps)");
        }
        if (tokens.length != length) {
            throw new IllegalArgumentException("pair " + p.pairId() + ": " + tokens.length + " reference token log-probs for a "
                    + length + "-token completion; was ref-logprobs run with another tokenizer?");
        }
        return LengthDesensitization.weightedSum(tokens, shared, loss.ldAlpha());
    }

    /** WPO's ω_i = w(x, y_c,i) · w(x, y_r,i) from the scored batch [chosen…, rejected…]. */
    private static double[] wpoWeights(CompletionLogProbs scored, int n) {
        double[][] masses = scored.tokenLogSquaredMasses();
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = WpoWeight.of(scored.tokenLogProbs(i), masses[i]) * WpoWeight.of(scored.tokenLogProbs(n + i), masses[n + i]);
        }
        return out;
    }

    @Override
    public long tokens(PolicyPair example) {
        return 2L * example.prompt().length + example.chosen().length + example.rejected().length;
    }

    @Override
    public String exampleId(PolicyPair example) {
        return example.pairId();
    }
}
