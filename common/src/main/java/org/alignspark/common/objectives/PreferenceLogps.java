package org.alignspark.common.objectives;

/**
 * Per-pair sequence log-probabilities for a batch of B preference pairs, as the pairwise losses ({@link DpoLoss})
 * consume them. Every logp is the SUM over completion tokens of log π(y_t | x, y_&lt;t) (TRL's convention,
 * docs/spec-objectives.md §1); reference log-probs are precomputed and frozen (docs/design.md decision 5).
 *
 * @param policyChosen       log π_θ(y_c|x), [B], as the preference terms score it (LD-DPO-weighted under --ld-alpha)
 * @param policyRejected     log π_θ(y_r|x), [B]
 * @param refChosen          log π_ref(y_c|x), [B] (same weighting); null when no loss reads the reference
 * @param refRejected        log π_ref(y_r|x), [B]; null likewise
 * @param chosenLengths      |y_c| completion tokens, [B]; needed by IPO, sigmoid_norm, SimPO, ORPO, SFT and RPO
 * @param rejectedLengths    |y_r| completion tokens, [B]
 * @param rawChosen          the plain summed log π_θ(y_c|x), [B], that the NLL terms score; null: {@code policyChosen}
 * @param chosenPromptLogps  Σ log π_θ over the chosen row's prompt tokens (all but the first), [B]; ORPO only
 * @param chosenPromptTokens how many prompt tokens that sum covers (prompt length − 1), [B]; ORPO only
 * @param pairWeights        WPO's ω_i = w(x, y_c) w(x, y_r), [B] ({@link WpoWeight}); null when not weighting
 */
public record PreferenceLogps(double[] policyChosen, double[] policyRejected, double[] refChosen,
                              double[] refRejected, int[] chosenLengths, int[] rejectedLengths, double[] rawChosen,
                              double[] chosenPromptLogps, int[] chosenPromptTokens, double[] pairWeights) {
    public PreferenceLogps {
        int n = policyChosen.length;
        BatchStats.requireNonEmpty(n);
        BatchStats.requireSameLength("policyRejected", n, policyRejected);
        if (refChosen != null || refRejected != null) {
            BatchStats.requireSameLength("refChosen", n, refChosen);
            BatchStats.requireSameLength("refRejected", n, refRejected);
        }
        if (chosenLengths != null && chosenLengths.length != n || rejectedLengths != null && rejectedLengths.length != n
                || chosenPromptTokens != null && chosenPromptTokens.length != n) {
            throw new IllegalArgumentException("lengths must have one entry per pair");
        }
        if (rawChosen == null) {
            rawChosen = policyChosen;
        }
        BatchStats.requireSameLength("rawChosen", n, rawChosen);
        if (chosenPromptLogps != null) {
            BatchStats.requireSameLength("chosenPromptLogps", n, chosenPromptLogps);
        }
        if (pairWeights != null) {
            BatchStats.requireSameLength("pairWeights", n, pairWeights);
        }
    }

    public PreferenceLogps(double[] policyChosen, double[] policyRejected, double[] refChosen, double[] refRejected,
                           int[] chosenLengths, int[] rejectedLengths) {
        this(policyChosen, policyRejected, refChosen, refRejected, chosenLengths, rejectedLengths, null, null, null, null);
    }

    /** Without token counts: enough for every loss but IPO, sigmoid_norm, SimPO, ORPO, SFT and RPO. */
    public static PreferenceLogps of(double[] policyChosen, double[] policyRejected, double[] refChosen,
                                     double[] refRejected) {
        return new PreferenceLogps(policyChosen, policyRejected, refChosen, refRejected, null, null);
    }

    public int size() {
        return policyChosen.length;
    }

    /**
     * A copy with other policy log-probs (same references, lengths and weights): what a training step changes. The raw
     * chosen log-probs follow {@code chosen} when they were the same array.
     */
    public PreferenceLogps withPolicy(double[] chosen, double[] rejected) {
        return new PreferenceLogps(chosen, rejected, refChosen, refRejected, chosenLengths, rejectedLengths,
                rawChosen == policyChosen ? chosen : rawChosen, chosenPromptLogps, chosenPromptTokens, pairWeights);
    }

    /** A copy with other raw chosen log-probs (the NLL terms' input). */
    public PreferenceLogps withRawChosen(double[] raw) {
        return new PreferenceLogps(policyChosen, policyRejected, refChosen, refRejected, chosenLengths, rejectedLengths,
                raw, chosenPromptLogps, chosenPromptTokens, pairWeights);
    }

    /** A copy with the chosen rows' prompt-token log-probs and counts (ORPO). */
    public PreferenceLogps withChosenPrompt(double[] logps, int[] tokens) {
        return new PreferenceLogps(policyChosen, policyRejected, refChosen, refRejected, chosenLengths, rejectedLengths,
                rawChosen, logps, tokens, pairWeights);
    }

    /** A copy with WPO pair weights. */
    public PreferenceLogps withPairWeights(double[] weights) {
        return new PreferenceLogps(policyChosen, policyRejected, refChosen, refRejected, chosenLengths, rejectedLengths,
                rawChosen, chosenPromptLogps, chosenPromptTokens, weights);
    }
}
