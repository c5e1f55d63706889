package org.alignspark.common.rewards;

/**
 * Centered hidden-embedding similarity, the likelihood-displacement predictor of "Unintentional Unalignment"
 * (Razin et al. ICLR 2025, arXiv 2410.08847; docs/spec-data-side.md §2a):
 * CHES_x(y+, y−) = ⟨S+, S−⟩ − ‖S+‖² (Def. 2), with S = Σ_{k=1..|y|} h_{x,y&lt;k} the sum of the final-layer hidden
 * states at the positions that predict the response tokens (the first is the last prompt token's state), and
 * LN-CHES_x(y+, y−) = ⟨S+, S−⟩/(|y+||y−|) − ‖S+‖²/|y+|² (Def. 3), i.e. with means instead of sums.
 * Here |y| is the number of rows passed: the authors' scoring script passes |y| + 1 rows (the last one predicts
 * the token after the response, i.e. EOS counted), which {@link #responseStateRows} gives with
 * {@code responseLength = |y| + 1}, y being the response text's own tokens (the ches job takes them from
 * {@code ChatEncoder.responseLength}; the rest of a template's end of turn, e.g. ChatML's newline after
 * {@code <|im_end|>}, is not counted). Sums are accumulated in double (the spec warns about bf16 sums).
 */
public final class ChesScore {
    private ChesScore() {
    }

    /**
     * The rows of one sequence's hidden states that predict the response tokens: positions
     * promptLength − 1 .. promptLength + responseLength − 2.
     *
     * @param hiddenStates   final-layer states of prompt + response, [T][D]
     * @param promptLength   number of prompt tokens (≥ 1)
     * @param responseLength number of response tokens to predict (include EOS to count it)
     * @return [responseLength][D], views of the input rows
     */
    public static float[][] responseStateRows(float[][] hiddenStates, int promptLength, int responseLength) {
        if (promptLength < 1 || responseLength < 1 || promptLength - 1 + responseLength > hiddenStates.length) {
            throw new IllegalArgumentException("rows " + (promptLength - 1) + ".." + (promptLength + responseLength - 2)
                    + " are outside " + hiddenStates.length + " positions");
        }
        float[][] rows = new float[responseLength][];
        System.arraycopy(hiddenStates, promptLength - 1, rows, 0, responseLength);
        return rows;
    }

    /** CHES = ⟨S+, S−⟩ − ‖S+‖²; rows [|y+|][D] and [|y−|][D]. Higher = more similar = more displacement. */
    public static double ches(float[][] preferredRows, float[][] dispreferredRows) {
        double[] sPlus = sum(preferredRows);
        double[] sMinus = sum(dispreferredRows);
        requireSameWidth(sPlus, sMinus);
        return dot(sPlus, sMinus) - dot(sPlus, sPlus);
    }

    /** LN-CHES = ⟨S+, S−⟩/(n+ n−) − ‖S+‖²/n+², n = rows of each side. */
    public static double lengthNormalizedChes(float[][] preferredRows, float[][] dispreferredRows) {
        double[] sPlus = sum(preferredRows);
        double[] sMinus = sum(dispreferredRows);
        requireSameWidth(sPlus, sMinus);
        double nPlus = preferredRows.length;
        double nMinus = dispreferredRows.length;
        return dot(sPlus, sMinus) / (nPlus * nMinus) - dot(sPlus, sPlus) / (nPlus * nPlus);
    }

    private static double[] sum(float[][] rows) {
        if (rows.length == 0) {
            throw new IllegalArgumentException("CHES needs at least one hidden-state row per response");
        }
        double[] s = new double[rows[0].length];
        for (float[] row : rows) {
            if (row.length != s.length) {
                throw new IllegalArgumentException("hidden-state rows differ in width");
            }
            for (int j = 0; j < s.length; j++) {
                s[j] += row[j];
            }
        }
        return s;
    }

    private static void requireSameWidth(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("hidden sizes differ: " + a.length + " vs " + b.length);
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }
}
