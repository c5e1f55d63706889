package org.alignspark.common.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.alignspark.common.lm.CompletionLogProbs;
import org.alignspark.common.objectives.BcoLoss;
import org.alignspark.common.objectives.RunningMoments;
import org.alignspark.common.objectives.TrlMetricNames;
import org.alignspark.common.objectives.UnpairedLogps;
import org.alignspark.common.sft.LanguageModel;
import org.alignspark.common.train.BatchResult;
import org.alignspark.common.train.Objective;

/**
 * BCO (common's {@link BcoLoss}, docs/spec-objectives.md §3) on a causal LM over binary-feedback examples, with the reward shift
 * δ = running mean of every implicit reward seen, and optionally each undesirable example weighted by its prompt's
 * clipped density ratio (UDM; the weight is computed once per example before training, see
 * {@link FeedbackExample#densityRatioWeight()}).
 * <p>
 * How δ survives parameter averaging: the driver owns the {@link RunningMoments}; this objective is shipped to the
 * workers with each round's task, so every worker starts the round from the driver's state. Within the round a
 * worker folds its own minibatches in before each loss, as TRL does per step (TRL gathers the batch across ranks; here
 * a worker sees the other workers' rewards from the next round on). Each minibatch reports the sum and the sum of
 * squares of its implicit rewards ({@link #IMPLICIT_REWARD} and {@link #IMPLICIT_REWARD_SQUARED}, means over the
 * round's examples); after the round the driver folds the round's count, mean and variance into its moments with
 * {@link #foldRound}. The running mean is count-weighted, so that fold gives the driver exactly the mean of all
 * implicit rewards computed so far, whatever the order. The two sums are in each round's metrics, which every
 * checkpoint keeps in its log history; a resumed run rebuilds δ by folding those rounds again (TRL saves
 * {@code running.json} with its checkpoints instead).
 */
public final class BcoObjective implements Objective<FeedbackExample, LanguageModel> {
    /** Mean implicit reward β·lr over a round's examples (not a TRL key; the driver's input to δ). */
    public static final String IMPLICIT_REWARD = "bco/implicit_reward";
    /** Mean squared implicit reward over a round's examples (not a TRL key). */
    public static final String IMPLICIT_REWARD_SQUARED = "bco/implicit_reward_squared";

    private final BcoLoss.Config loss;
    private final int padId;
    private final RunningMoments moments;

    public BcoObjective(BcoLoss.Config loss, int padId) {
        this(loss, padId, new RunningMoments());
    }

    public BcoObjective(BcoLoss.Config loss, int padId, RunningMoments moments) {
        this.loss = loss;
        this.padId = padId;
        this.moments = moments;
    }

    @Override
    public BatchResult lossAndGradients(LanguageModel model, List<FeedbackExample> batch) {
        int n = batch.size();
        List<int[]> prompts = new ArrayList<>(n);
        List<int[]> completions = new ArrayList<>(n);
        double[] reference = new double[n];
        double[] weights = new double[n];    // applied by BcoLoss to undesirable examples only
        boolean[] desirable = new boolean[n];
        for (int i = 0; i < n; i++) {
            FeedbackExample e = batch.get(i);
            prompts.add(e.prompt());
            completions.add(e.completion());
            reference[i] = e.refLogp();
            weights[i] = e.densityRatioWeight();
            desirable[i] = e.desirable();
        }
        CompletionLogProbs scored = CompletionLogProbs.forward(model.lm(), prompts, completions, padId);    // [n]
        UnpairedLogps logps = new UnpairedLogps(scored.sums(), reference, desirable);
        BcoLoss.Result result = BcoLoss.trainingStep(loss, logps, moments, weights);
        scored.backward(result.dPolicy());

        long tokens = 0;
        for (FeedbackExample e : batch) {
            tokens += tokens(e);
        }
        BatchResult out = model.withActivationBytes(new BatchResult(result.loss() * n, n, tokens));
        out.metricSum(TrlMetricNames.DELTA, result.delta() * n);
        double sum = 0;
        double squares = 0;
        for (double r : logps.implicitRewards(loss.beta())) {
            sum += r;
            squares += r * r;
        }
        out.metricSum(IMPLICIT_REWARD, sum).metricSum(IMPLICIT_REWARD_SQUARED, squares);
        FeedbackMetrics.add(out, logps, loss.beta());
        return out;
    }

    /**
     * Folds a finished round into the driver's moments: {@code examples} implicit rewards with the round's
     * {@link #IMPLICIT_REWARD} and {@link #IMPLICIT_REWARD_SQUARED} means.
     */
    public void foldRound(long examples, Map<String, Double> metricMeans) {
        Double mean = metricMeans.get(IMPLICIT_REWARD);
        Double meanSquare = metricMeans.get(IMPLICIT_REWARD_SQUARED);
        if (examples == 0) {
            return;
        }
        if (mean == null || meanSquare == null) {
            throw new IllegalArgumentException("round metrics lack " + IMPLICIT_REWARD + " / " + IMPLICIT_REWARD_SQUARED);
        }
        moments.update(examples, mean, Math.max(0, meanSquare - mean * mean));
    }

    /** The driver's current δ. */
    public double delta() {
        return moments.mean();
    }

    @Override
    public long tokens(FeedbackExample example) {
        return (long) example.prompt().length + example.completion().length;
    }

    @Override
    public String exampleId(FeedbackExample example) {
        return example.exampleId();
    }
}
