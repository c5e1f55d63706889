package org.alignspark.common.lm.decoding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** STEER's logit formula (cfg-reading) on a three-token vocabulary, against distributions worked out by hand. */
class SteerGuidanceTest {
    private static final double[] EXPERT = logs(1 / 2.0, 1 / 4.0, 1 / 4.0);
    private static final double[] BASE = logs(1 / 4.0, 1 / 4.0, 1 / 2.0);
    private static final double[] NEGATIVE = logs(1 / 4.0, 1 / 2.0, 1 / 4.0);

    static double[] logs(double... p) {
        double[] out = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = Math.log(p[i]);
        }
        return out;
    }

    @Test
    void contrastiveGuidanceSharpensWhatTheExpertLearnedOverTheBase() {
        // γ = 1: z = 2·ln e − ln b = ln(e²/b) = ln(1, 1/4, 1/8) → (8, 2, 1)/11
        double[] p = Distributions.softmax(SteerGuidance.steer(EXPERT, BASE, new double[0][], 1.0, 0.0));
        assertArrayEquals(new double[] {8 / 11.0, 2 / 11.0, 1 / 11.0}, p, 1e-12);
    }

    @Test
    void negativePromptingMovesAwayFromTheNegativeContext() {
        // δ = 1: z = ln e − (ln n − ln e) = ln(e²/n) = ln(1, 1/8, 1/4) → (8, 1, 2)/11
        double[] p = Distributions.softmax(SteerGuidance.steer(EXPERT, null, new double[][] {NEGATIVE}, 0.0, 1.0));
        assertArrayEquals(new double[] {8 / 11.0, 1 / 11.0, 2 / 11.0}, p, 1e-12);
    }

    @Test
    void negativeContextsAreAveraged() {
        // δ = 2 over {n, b}: z = ln e − (ln n − ln e) − (ln b − ln e) = ln(e³/(n·b)) = ln(2, 1/8, 1/8) → (16, 1, 1)/18
        double[] p = Distributions.softmax(SteerGuidance.steer(EXPERT, null, new double[][] {NEGATIVE, BASE}, 0.0, 2.0));
        assertArrayEquals(new double[] {16 / 18.0, 1 / 18.0, 1 / 18.0}, p, 1e-12);
    }

    @Test
    void bothTermsAdd() {
        // γ = 1, δ = 1: ln(e²/b) + ln(e/n) = ln(e³/(b·n)), the same as the averaged case above
        double[] p = Distributions.softmax(SteerGuidance.steer(EXPERT, BASE, new double[][] {NEGATIVE}, 1.0, 1.0));
        assertArrayEquals(new double[] {16 / 18.0, 1 / 18.0, 1 / 18.0}, p, 1e-12);
    }

    @Test
    void zeroWeightsReturnTheExpertLogitsExactly() {
        assertArrayEquals(EXPERT, SteerGuidance.steer(EXPERT, BASE, new double[][] {NEGATIVE}, 0.0, 0.0));
    }

    @Test
    void rejectsLogitsOverAnotherVocabulary() {
        assertThrows(IllegalArgumentException.class,
                () -> SteerGuidance.steer(EXPERT, logs(0.5, 0.5), new double[0][], 1.0, 0.0));
        assertThrows(IllegalArgumentException.class,
                () -> new SteerGuidance(null, 1.0, null, java.util.List.of(), 0.0));
    }
}
