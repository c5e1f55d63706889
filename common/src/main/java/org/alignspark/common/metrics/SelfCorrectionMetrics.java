package org.alignspark.common.metrics;

/**
 * Two-attempt self-correction metrics.
 * <ul>
 *   <li>SCoRe (Kumar et al. arXiv 2409.12917 §5, docs/spec-data-side.md §4d): Accuracy@t1, Accuracy@t2,
 *       Δ(t1,t2) = Acc@t2 − Acc@t1, Δ^{i→c} and Δ^{c→i} as fractions of <em>all</em> problems, so
 *       Δ = Δ^{i→c} − Δ^{c→i}.</li>
 *   <li>Confidence vs Critique (Yang et al. arXiv 2412.19513, official code {@code analysis_sampling.py},
 *       docs/spec-data-side.md §3a): CL = P(correct₂ | correct₁), CS = P(correct₂ | wrong₁),
 *       RSS = (Acc2 − Acc1²) / (2·Acc1·(1 − Acc1)), undefined (NaN) at Acc1 ∈ {0, 1}; RSS = 0.5 ⇔ Acc2 = Acc1.</li>
 * </ul>
 * Counts are kept so that every proportion carries its 95% Wilson score interval ({@link Proportion#wilson95()}).
 *
 * @param problems             number of problems (one trace each)
 * @param correctToCorrect     right at t1, right at t2
 * @param correctToIncorrect   right at t1, wrong at t2
 * @param incorrectToCorrect   wrong at t1, right at t2
 * @param incorrectToIncorrect wrong at t1, wrong at t2
 */
public record SelfCorrectionMetrics(long problems, long correctToCorrect, long correctToIncorrect,
                                    long incorrectToCorrect, long incorrectToIncorrect) {

    /** @param correctFirst [N] attempt-1 verdicts, @param correctSecond [N] attempt-2 verdicts */
    public static SelfCorrectionMetrics fromTraces(boolean[] correctFirst, boolean[] correctSecond) {
        if (correctFirst.length != correctSecond.length) {
            throw new IllegalArgumentException("attempt-1 has " + correctFirst.length + " verdicts, attempt-2 "
                    + correctSecond.length);
        }
        long cc = 0;
        long ci = 0;
        long ic = 0;
        long ii = 0;
        for (int i = 0; i < correctFirst.length; i++) {
            if (correctFirst[i]) {
                if (correctSecond[i]) {
                    cc++;
                } else {
                    ci++;
                }
            } else if (correctSecond[i]) {
                ic++;
            } else {
                ii++;
            }
        }
        return new SelfCorrectionMetrics(correctFirst.length, cc, ci, ic, ii);
    }

    public Proportion accuracyFirst() {
        return new Proportion(correctToCorrect + correctToIncorrect, problems);
    }

    public Proportion accuracySecond() {
        return new Proportion(correctToCorrect + incorrectToCorrect, problems);
    }

    /** Δ(t1, t2) = Acc@t2 − Acc@t1. */
    public double delta() {
        return accuracySecond().value() - accuracyFirst().value();
    }

    /** Δ^{i→c}: share of all problems wrong at t1 and right at t2. */
    public Proportion incorrectToCorrectShare() {
        return new Proportion(incorrectToCorrect, problems);
    }

    /** Δ^{c→i}: share of all problems right at t1 and wrong at t2. */
    public Proportion correctToIncorrectShare() {
        return new Proportion(correctToIncorrect, problems);
    }

    /** CL = P(correct₂ | correct₁). */
    public Proportion confidenceLevel() {
        return new Proportion(correctToCorrect, correctToCorrect + correctToIncorrect);
    }

    /** CS = P(correct₂ | wrong₁). */
    public Proportion critiqueScore() {
        return new Proportion(incorrectToCorrect, incorrectToCorrect + incorrectToIncorrect);
    }

    /** RSS as the official code computes it; NaN when Acc1 is 0 or 1. */
    public double relativeSelfCorrectionScore() {
        return relativeSelfCorrectionScore(accuracyFirst().value(), accuracySecond().value());
    }

    /** RSS = (Acc2 − Acc1²) / (2·Acc1·(1 − Acc1)): Acc2's position between its bounds Acc1² and 2·Acc1 − Acc1². */
    public static double relativeSelfCorrectionScore(double acc1, double acc2) {
        double spread = 2 * acc1 * (1 - acc1);
        return spread == 0 ? Double.NaN : (acc2 - acc1 * acc1) / spread;
    }

    /**
     * The sampled estimator of the Confidence-vs-Critique code, where each question has several samples of
     * (attempt 1, attempt 2): per question Pa = P(a), Pb = P(b|a) (0 if no correct first attempt),
     * Pc = P(b|¬a) (0 if every first attempt is correct); then Acc1 = mean Pa, Acc2 = mean[Pa·Pb + (1−Pa)·Pc],
     * CL = Σ Pa·Pb / Σ Pa and CS = Σ (1−Pa)·Pc / Σ(1−Pa) (micro-weighted, not means of per-question ratios).
     */
    public record Estimate(double accuracyFirst, double accuracySecond, double confidenceLevel, double critiqueScore) {
        public double relativeSelfCorrectionScore() {
            return SelfCorrectionMetrics.relativeSelfCorrectionScore(accuracyFirst, accuracySecond);
        }
    }

    /** @param correctFirst [Q][n_q] attempt-1 verdicts per question, @param correctSecond [Q][n_q] attempt-2 verdicts */
    public static Estimate estimateFromSamples(boolean[][] correctFirst, boolean[][] correctSecond) {
        int q = correctFirst.length;
        if (q == 0 || correctSecond.length != q) {
            throw new IllegalArgumentException("need the same non-zero number of questions on both attempts");
        }
        double sumPa = 0;
        double sumPaPb = 0;
        double sumNotPa = 0;
        double sumNotPaPc = 0;
        for (int i = 0; i < q; i++) {
            boolean[] a = correctFirst[i];
            boolean[] b = correctSecond[i];
            if (a.length == 0 || b.length != a.length) {
                throw new IllegalArgumentException("question " + i + " needs matching non-empty samples");
            }
            int nA = 0;
            int nAB = 0;
            int nNotAB = 0;
            for (int s = 0; s < a.length; s++) {
                nA += a[s] ? 1 : 0;
                nAB += a[s] && b[s] ? 1 : 0;
                nNotAB += !a[s] && b[s] ? 1 : 0;
            }
            double pa = (double) nA / a.length;
            double pb = nA == 0 ? 0 : (double) nAB / nA;
            double pc = nA == a.length ? 0 : (double) nNotAB / (a.length - nA);
            sumPa += pa;
            sumPaPb += pa * pb;
            sumNotPa += 1 - pa;
            sumNotPaPc += (1 - pa) * pc;
        }
        return new Estimate(sumPa / q, (sumPaPb + sumNotPaPc) / q,
                sumPa == 0 ? Double.NaN : sumPaPb / sumPa,
                sumNotPa == 0 ? Double.NaN : sumNotPaPc / sumNotPa);
    }
}
