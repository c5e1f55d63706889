package org.alignspark.common.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SelfCorrectionMetricsTest {
    // Hand-counted table of 10 problems: c→c 5, c→i 1, i→c 2, i→i 2.
    private static final boolean[] FIRST = {true, true, true, true, true, true, false, false, false, false};
    private static final boolean[] SECOND = {true, true, true, true, true, false, true, true, false, false};

    @Test
    void scoreMetricsAreFractionsOfAllProblems() {
        SelfCorrectionMetrics m = SelfCorrectionMetrics.fromTraces(FIRST, SECOND);
        assertEquals(new SelfCorrectionMetrics(10, 5, 1, 2, 2), m);
        assertEquals(0.6, m.accuracyFirst().value(), 1e-12);   // (5 + 1)/10
        assertEquals(0.7, m.accuracySecond().value(), 1e-12);  // (5 + 2)/10
        assertEquals(0.1, m.delta(), 1e-12);
        assertEquals(0.2, m.incorrectToCorrectShare().value(), 1e-12);  // 2/10
        assertEquals(0.1, m.correctToIncorrectShare().value(), 1e-12);  // 1/10
        // Δ = Δ^{i→c} − Δ^{c→i}
        assertEquals(m.delta(), m.incorrectToCorrectShare().value() - m.correctToIncorrectShare().value(), 1e-12);
    }

    @Test
    void confidenceAndCritiqueAreConditionalOnTheFirstAttempt() {
        SelfCorrectionMetrics m = SelfCorrectionMetrics.fromTraces(FIRST, SECOND);
        assertEquals(5.0 / 6, m.confidenceLevel().value(), 1e-12);  // 5 of 6 correct first attempts stay correct
        assertEquals(0.5, m.critiqueScore().value(), 1e-12);         // 2 of 4 wrong first attempts get fixed
        // identity Acc2 = Acc1·CL + (1 − Acc1)·CS = 0.6·5/6 + 0.4·0.5 = 0.7
        assertEquals(m.accuracySecond().value(),
                0.6 * m.confidenceLevel().value() + 0.4 * m.critiqueScore().value(), 1e-12);
        // RSS = (0.7 − 0.36) / (2 · 0.6 · 0.4) = 0.34 / 0.48 = 0.708333
        assertEquals(0.708333, m.relativeSelfCorrectionScore(), 1e-6);
    }

    @Test
    void accuracyCarriesWilsonInterval() {
        // 6/10 at z = 1.96: center 0.79208/1.38416 = 0.572246, half 1.416021 · √0.033604 = 0.259577
        Proportion.Interval ci = SelfCorrectionMetrics.fromTraces(FIRST, SECOND).accuracyFirst().wilson(1.96);
        assertEquals(0.312669, ci.lower(), 1e-5);
        assertEquals(0.831823, ci.upper(), 1e-5);
    }

    @Test
    void relativeSelfCorrectionScoreIsHalfWhenAccuracyIsUnchangedAndUndefinedAtTheEdges() {
        assertEquals(0.5, SelfCorrectionMetrics.relativeSelfCorrectionScore(0.3, 0.3), 1e-12);
        assertTrue(Double.isNaN(SelfCorrectionMetrics.relativeSelfCorrectionScore(1.0, 0.9)));
        assertTrue(Double.isNaN(SelfCorrectionMetrics.relativeSelfCorrectionScore(0.0, 0.1)));
    }

    @Test
    void sampledEstimatorMicroWeightsByFirstAttemptProbability() {
        // question A: first (T, F), second (T, T) → Pa 0.5, Pb 1/1 = 1, Pc 1/1 = 1
        // question B: first (T, T), second (F, T) → Pa 1, Pb 1/2, Pc 0 (no wrong first attempt)
        // Acc1 = 0.75; Acc2 = mean(0.5·1 + 0.5·1, 1·0.5 + 0) = 0.75
        // CL = (0.5·1 + 1·0.5)/(0.5 + 1) = 0.666667; CS = (0.5·1 + 0·0)/(0.5 + 0) = 1; RSS = 0.1875/0.375 = 0.5
        SelfCorrectionMetrics.Estimate e = SelfCorrectionMetrics.estimateFromSamples(
                new boolean[][] {{true, false}, {true, true}},
                new boolean[][] {{true, true}, {false, true}});
        assertEquals(0.75, e.accuracyFirst(), 1e-12);
        assertEquals(0.75, e.accuracySecond(), 1e-12);
        assertEquals(2.0 / 3, e.confidenceLevel(), 1e-12);
        assertEquals(1.0, e.critiqueScore(), 1e-12);
        assertEquals(0.5, e.relativeSelfCorrectionScore(), 1e-12);
    }
}
