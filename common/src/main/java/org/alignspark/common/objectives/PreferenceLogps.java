package org.alignspark.common.objectives;

/**
 * Per-pair sequence log-probabilities for a batch of B preference pairs, as DPO-family losses consume them.
 * Every logp is the SUM over completion tokens of log π(y_t | x, y_&lt;t) (TRL's convention, docs/spec-objectives.md §1);
 * reference log-probs are precomputed and frozen (docs/design.md decision 5).
 *
 * @param policyChosen    log π_θ(y_c|x), [B]
 * @param policyRejected  log π_θ(y_r|x), [B]
 * @param refChosen       log π_ref(y_c|x), [B]
 * @param refRejected     log π_ref(y_r|x), [B]
 * @param chosenLengths   |y_c| completion tokens, [B]; needed by IPO (length normalisation) and RPO (token-mean NLL)
 * @param rejectedLengths |y_r| completion tokens, [B]; needed by IPO
 */
public record PreferenceLogps(double[] policyChosen, double[] policyRejected, double[] refChosen,
                              double[] refRejected, int[] chosenLengths, int[] rejectedLengths) {
    public PreferenceLogps {
        int n = policyChosen.length;
        BatchStats.requireNonEmpty(n);
        BatchStats.requireSameLength("policyRejected", n, policyRejected);
        BatchStats.requireSameLength("refChosen", n, refChosen);
        BatchStats.requireSameLength("refRejected", n, refRejected);
        if (chosenLengths != null && chosenLengths.length != n || rejectedLengths != null && rejectedLengths.length != n) {
            throw new IllegalArgumentException("lengths must have one entry per pair");
        }
    }

    /** Without token counts: enough for every loss but IPO and RPO. */
    public static PreferenceLogps of(double[] policyChosen, double[] policyRejected, double[] refChosen,
                                     double[] refRejected) {
        return new PreferenceLogps(policyChosen, policyRejected, refChosen, refRejected, null, null);
    }

    public int size() {
        return policyChosen.length;
    }

    /** A copy with other policy log-probs (same references and lengths): what a training step changes. */
    public PreferenceLogps withPolicy(double[] chosen, double[] rejected) {
        return new PreferenceLogps(chosen, rejected, refChosen, refRejected, chosenLengths, rejectedLengths);
    }
}
