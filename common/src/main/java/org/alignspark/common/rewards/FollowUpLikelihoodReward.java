package org.alignspark.common.rewards;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.alignspark.common.tokenizer.Message;

/**
 * The follow-up likelihood reward of "Aligning Language Models Using Follow-up Likelihood as Reward Signal"
 * (Zhang et al. AAAI 2025, arXiv 2409.13948; docs/spec-data-side.md §1). The paper's aggregation formula was NOT found
 * (docs/spec-data-side.md §1a [N/F]); this implements the spec's [OURS] reading, as issue 5 states it:
 * l(f | x, y) = token-mean log-prob of the follow-up f's tokens under the scorer LM given the conversation (x, y),
 * FLR(x, y) = mean_{f ∈ F+} l(f|x,y) − mean_{f ∈ F−} l(f|x,y).
 * Whether the end-of-turn token is scored is the caller's choice: it is included iff its log-prob is in the array.
 * {@link Aggregation#POOLED} pools F± over all categories (issue 5's formula);
 * {@link Aggregation#CATEGORY_MEAN} averages per-category FLRs (the spec's alternative reading); they agree when
 * every category has the same number of positive and of negative follow-ups, as in the paper's lists (10 + 10).
 * The released code's single-position raw-logit score is a different quantity: {@link #asReleasedScore}.
 */
public final class FollowUpLikelihoodReward {
    private FollowUpLikelihoodReward() {
    }

    public enum Aggregation { POOLED, CATEGORY_MEAN }

    /** The opening user turn of the released code's role-swapped template (run_llama3_ft.py; docs/spec-data-side.md §1a). */
    public static final String FEEDBACK_REQUEST = "Please ask me a question and provide feedback to my answer.";

    /**
     * The conversation a scorer fine-tuned on feedback reads (docs/spec-data-side.md §1a, "Conversation template", from the
     * released run_llama3_ft.py): roles swapped behind an opening request, only the last prompt turn kept,
     * {@code user: request / assistant: x / user: y}; the follow-up f is then the assistant's turn.
     */
    public static List<Message> roleSwapped(String feedbackRequest, List<Message> prompt, String response) {
        if (prompt.isEmpty()) {
            throw new IllegalArgumentException("the role-swapped template needs a prompt turn");
        }
        return List.of(new Message("user", feedbackRequest), new Message("assistant", prompt.get(prompt.size() - 1).content()),
                new Message("user", response));
    }

    /**
     * One follow-up utterance scored behind the conversation.
     *
     * @param category       e.g. "understanding", "relevance", "correctness", "engagingness",
     *                       "informativeness", "following"
     * @param positive       true for satisfaction (F+), false for complaint (F−)
     * @param tokenLogProbs  log p_M(f_t | T(x, y), f_&lt;t) for each scored token of f, [|f|]
     */
    public record ScoredFollowUp(String category, boolean positive, double[] tokenLogProbs) {
        public ScoredFollowUp {
            if (tokenLogProbs.length == 0) {
                throw new IllegalArgumentException("follow-up '" + category + "' has no scored tokens");
            }
        }
    }

    /**
     * @param flr          FLR(x, y) under the chosen aggregation
     * @param positiveMean mean l over F+ (pooled)
     * @param negativeMean mean l over F− (pooled)
     * @param perCategory  FLR restricted to each category (categories in input order)
     */
    public record Result(double flr, double positiveMean, double negativeMean, Map<String, Double> perCategory) {
    }

    /** l = (1/|f|) Σ_t log p(f_t | …), the token-mean log-prob. Also the "Direct" baseline applied to y itself. */
    public static double tokenMeanLogProb(double[] tokenLogProbs) {
        if (tokenLogProbs.length == 0) {
            throw new IllegalArgumentException("no tokens");
        }
        double s = 0;
        for (double v : tokenLogProbs) {
            s += v;
        }
        return s / tokenLogProbs.length;
    }

    public static Result score(List<ScoredFollowUp> followUps, Aggregation aggregation) {
        Map<String, double[]> sums = new LinkedHashMap<>(); // category → {posSum, posCount, negSum, negCount}
        double[] pooled = new double[4];
        for (ScoredFollowUp f : followUps) {
            double l = tokenMeanLogProb(f.tokenLogProbs());
            double[] c = sums.computeIfAbsent(f.category(), k -> new double[4]);
            int at = f.positive() ? 0 : 2;
            c[at] += l;
            c[at + 1]++;
            pooled[at] += l;
            pooled[at + 1]++;
        }
        if (pooled[1] == 0 || pooled[3] == 0) {
            throw new IllegalArgumentException("FLR needs at least one positive and one negative follow-up");
        }
        Map<String, Double> perCategory = new LinkedHashMap<>();
        double categorySum = 0;
        for (Map.Entry<String, double[]> e : sums.entrySet()) {
            double[] c = e.getValue();
            if (c[1] == 0 || c[3] == 0) {
                throw new IllegalArgumentException("category '" + e.getKey() + "' needs positive and negative follow-ups");
            }
            double value = c[0] / c[1] - c[2] / c[3];
            perCategory.put(e.getKey(), value);
            categorySum += value;
        }
        double pos = pooled[0] / pooled[1];
        double neg = pooled[2] / pooled[3];
        double flr = aggregation == Aggregation.POOLED ? pos - neg : categorySum / perCategory.size();
        return new Result(flr, pos, neg, Collections.unmodifiableMap(perCategory));
    }

    /**
     * The score the released code computes per follow-up ({@code e0397123/FLR get_outputs_withprobs}, docs/spec-data-side.md §1a):
     * the raw logits of ONE position averaged over the bag of the follow-up's vocabulary ids (BOS included).
     * Not a log-likelihood; kept only to compare with the authors' demo outputs.
     *
     * @param logitsAtPosition raw logits of the position holding f_1, [vocab]
     * @param followUpIds      tokenizer ids of f as the released code takes them (BOS, f_1..f_n)
     */
    public static double asReleasedScore(float[] logitsAtPosition, int[] followUpIds) {
        if (followUpIds.length == 0) {
            throw new IllegalArgumentException("no ids");
        }
        double s = 0;
        for (int id : followUpIds) {
            s += logitsAtPosition[id];
        }
        return s / followUpIds.length;
    }
}
