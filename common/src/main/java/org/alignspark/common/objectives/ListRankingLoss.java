package org.alignspark.common.objectives;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.alignspark.common.metrics.Ndcg;

/**
 * Preference-list ranking over the K responses of one prompt, TPO's alignment objective (Liao et al. ICLR 2025,
 * arXiv 2410.12854; docs/spec-objectives.md §5). Each response n has a policy-side score s_n (its log-ratio
 * logp_θ − logp_ref, or TPO's step-weighted score, {@link AdaptiveStepScore}) and a label ψ_n (reward or rank,
 * larger is better); β scales the scores inside the pairwise σ, as in LiPO.
 * <p>
 * The paper's exact equations were NOT found (docs/spec-objectives.md §5a [NOT FOUND]); both weightings below are the spec's
 * stated readings, not verified against the paper:
 * <ul>
 *   <li>{@link Weighting#UNIFORM} — stated reading of the spec's "intended design" (§5b step 4): mean over the
 *       ordered pairs (i, j) with ψ_i &gt; ψ_j of −log σ(β(s_i − s_j)).</li>
 *   <li>{@link Weighting#LAMBDA} — stated reading of LiPO-λ (Liu et al. arXiv 2402.01878, from a summary page):
 *       −Σ_{ψ_i &gt; ψ_j} Δ_ij log σ(β(s_i − s_j)) with the LambdaRank weight
 *       Δ_ij = |G_i − G_j| · |1/D(τ_i) − 1/D(τ_j)|, gain G = 2^ψ − 1, discount D(τ) = log₂(1 + τ), τ the 1-based
 *       rank of the response under the current scores (ties broken by index); Δ_ij is held constant in the
 *       gradient, as in LambdaRank. This gain and discount are the standard LambdaRank ones, assumed here.</li>
 * </ul>
 * TPO's released {@code loss.py} (final −log σ(β·L_rank), which the spec flags as inverted) is deliberately not
 * reproduced. Batch loss = mean over the lists that have at least one ordered pair.
 */
public final class ListRankingLoss {
    private ListRankingLoss() {
    }

    public enum Weighting { UNIFORM, LAMBDA }

    /** @param beta β scaling the score differences; TPO's code default 0.5 */
    public record Config(double beta, Weighting weighting) implements java.io.Serializable {
        public Config {
            if (!(beta > 0) || weighting == null) {
                throw new IllegalArgumentException("need beta > 0 and a weighting");
            }
        }

        public static Config defaults() {
            return new Config(0.5, Weighting.UNIFORM);
        }
    }

    /**
     * @param loss     mean over lists with at least one ordered pair
     * @param dScores  ∂loss/∂s, [L][K_l] (zero rows for lists without pairs)
     * @param metrics  {@code rewards/chosen} and {@code rewards/rejected} (mean β·s of each list's best- and
     *                 worst-labelled response), {@code rewards/margins}, {@code rewards/accuracies} (share of
     *                 ordered pairs scored strictly in order), {@code ndcg} (mean over those lists),
     *                 {@code lists_with_pairs}
     */
    public record Result(double loss, double[][] dScores, Map<String, Double> metrics) {
    }

    /**
     * @param scores [L][K_l] policy-side score of each response of each list
     * @param labels [L][K_l] preference label of each response (larger is better; equal labels form no pair)
     */
    public static Result compute(Config config, double[][] scores, double[][] labels) {
        if (scores.length != labels.length) {
            throw new IllegalArgumentException(scores.length + " score lists but " + labels.length + " label lists");
        }
        double beta = config.beta();
        double[][] d = new double[scores.length][];
        double lossSum = 0;
        int listsWithPairs = 0;
        long pairs = 0;
        long ordered = 0;
        double best = 0;
        double worst = 0;
        double ndcgSum = 0;
        for (int l = 0; l < scores.length; l++) {
            double[] s = scores[l];
            double[] psi = labels[l];
            BatchStats.requireSameLength("labels[" + l + "]", s.length, psi);
            d[l] = new double[s.length];
            double[] inverseDiscount = config.weighting() == Weighting.LAMBDA ? Ndcg.inverseRankDiscounts(s) : null;
            int top = 0;
            int bottom = 0;
            double listLoss = 0;
            int listPairs = 0;
            for (int i = 0; i < s.length; i++) {
                top = psi[i] > psi[top] ? i : top;
                bottom = psi[i] < psi[bottom] ? i : bottom;
                for (int j = 0; j < s.length; j++) {
                    if (!(psi[i] > psi[j])) {
                        continue;
                    }
                    double weight = inverseDiscount == null ? 1.0
                            : Math.abs(Ndcg.gain(psi[i]) - Ndcg.gain(psi[j])) * Math.abs(inverseDiscount[i] - inverseDiscount[j]);
                    double z = beta * (s[i] - s[j]);
                    listLoss += weight * Sigmoid.softplus(-z);
                    double dz = -weight * Sigmoid.sigmoid(-z) * beta;
                    d[l][i] += dz;
                    d[l][j] -= dz;
                    listPairs++;
                    ordered += s[i] > s[j] ? 1 : 0;
                }
            }
            pairs += listPairs;
            if (listPairs == 0) {
                continue;
            }
            listsWithPairs++;
            best += beta * s[top];
            worst += beta * s[bottom];
            ndcgSum += Ndcg.of(s, psi);
            // UNIFORM averages over the list's pairs; LAMBDA keeps LiPO's sum
            double norm = config.weighting() == Weighting.UNIFORM ? listPairs : 1.0;
            lossSum += listLoss / norm;
            for (int i = 0; i < s.length; i++) {
                d[l][i] /= norm;
            }
        }
        double loss = listsWithPairs == 0 ? 0.0 : lossSum / listsWithPairs;
        if (listsWithPairs > 0) {
            for (double[] row : d) {
                for (int i = 0; i < row.length; i++) {
                    row[i] /= listsWithPairs;
                }
            }
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(TrlMetricNames.LOSS, loss);
        m.put("lists_with_pairs", (double) listsWithPairs);
        if (listsWithPairs > 0) {
            m.put(TrlMetricNames.REWARDS_CHOSEN, best / listsWithPairs);
            m.put(TrlMetricNames.REWARDS_REJECTED, worst / listsWithPairs);
            m.put(TrlMetricNames.REWARDS_MARGINS, (best - worst) / listsWithPairs);
            m.put(TrlMetricNames.REWARDS_ACCURACIES, (double) ordered / pairs);
            m.put("ndcg", ndcgSum / listsWithPairs);
        }
        return new Result(loss, d, Collections.unmodifiableMap(m));
    }
}
