package org.alignspark.report;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Heckbert's loose labeling with five ticks, worked by hand: range = nice(max − min) rounded up to 1, 2, 5 or 10 × 10ⁿ;
 * step = the 1-2-5 number nearest range / 4 (mantissa < 1.5 → 1, < 3 → 2, < 7 → 5, else 10); bounds = ⌊min / step⌋
 * and ⌈max / step⌉ steps; decimals = max(−⌊log₁₀ step⌋, 0).
 */
class AxisScaleTest {
    private static List<String> labels(double min, double max) {
        return AxisScale.of(min, max, AxisScale.TICKS).labels();
    }

    @Test
    void aNegativeRangeGetsHalfSteps() {
        // range 1.3487 → 2; step 2/4 = 0.5 → 0.5; ⌊−2.697⌋ = −3 → −1.5, ⌈0⌉ → 0; one decimal
        assertEquals(List.of("-1.5", "-1.0", "-0.5", "0.0"), labels(-1.348663954730283, 0));
    }

    @Test
    void aLossCurveGetsHundredths() {
        // range 0.1219 → 0.2; step 0.05 → 0.05; ⌊11.42⌋ = 11 → 0.55, ⌈13.86⌉ = 14 → 0.70; two decimals
        assertEquals(List.of("0.55", "0.60", "0.65", "0.70"), labels(0.5712, 0.6931471805599453));
    }

    @Test
    void countsGetWholeNumbersAndThousandsSeparators() {
        // range 101 → 200; step 50 → 50; 0 to ⌈2.02⌉ = 3 → 150
        assertEquals(List.of("0", "50", "100", "150"), labels(0, 101));
        // range 123456 → 200000; step 50000; 0 to ⌈2.47⌉ = 3 → 150000
        assertEquals(List.of("0", "50,000", "100,000", "150,000"), labels(0, 123456));
    }

    @Test
    void aRangeAcrossZeroStepsByTwo() {
        // range 9.8 → 10; step 2.5 → 2 (mantissa 2.5 < 3); ⌊−1.25⌋ = −2 → −4, ⌈3.65⌉ = 4 → 8; no decimals
        assertEquals(List.of("-4", "-2", "0", "2", "4", "6", "8"), labels(-2.5, 7.3));
    }

    @Test
    void aSingleValueIsReadBetweenTicksTenPercentAway() {
        // ±10%: [−1.4835, −1.2138]; range 0.2697 → 0.5; step 0.125 → 0.1; ⌊−14.8⌋ = −15, ⌈−12.1⌉ = −12
        assertEquals(List.of("-1.5", "-1.4", "-1.3", "-1.2"), labels(-1.348663954730283, -1.348663954730283));
        // zero: ±1; range 2 → 2; step 0.5
        assertEquals(List.of("-1.0", "-0.5", "0.0", "0.5", "1.0"), labels(0, 0));
    }

    @Test
    void aTickOffTheScalesStepGetsTheDigitsItNeedsAndZeroHasNoSign() {
        AxisScale scale = AxisScale.of(0, 1, AxisScale.TICKS);   // range 1, step 0.25 → 0.2, one decimal
        assertEquals(0.2, scale.step(), 1e-12);
        assertEquals("0.25", scale.label(0.25));
        assertEquals("0.3", scale.label(0.30000000000000004));
        assertEquals("0.0", scale.label(-1e-17));
    }

    @Test
    void chartsDrawTheirAxesOnTheScale() {
        java.util.Map<String, List<? extends Number>> series = Charts.ordered();
        series.put("mean reward", List.of(-1.348663954730283));
        var bars = Charts.bars("rewards", "reward", List.of("policy"), series).getStyler();
        assertEquals(-1.5, bars.getYAxisMin(), 1e-12);    // bars start at 0: the scale of [−1.3487, 0] above
        assertEquals(0.0, bars.getYAxisMax(), 1e-12);
        assertEquals("-1.0", bars.getyAxisTickLabelsFormattingFunction().apply(-1.0));
        java.util.Map<String, double[][]> loss = Charts.ordered();
        loss.put("loss", new double[][]{{1, 2, 3}, {0.6931471805599453, 0.61, 0.5712}});
        var lines = Charts.lines("loss", "round", "loss", loss).getStyler();
        assertEquals(0.55, lines.getYAxisMin(), 1e-12);
        assertEquals(0.70, lines.getYAxisMax(), 1e-12);
        // three rounds, three ticks at most: range 2 → 2, step 2/2 = 1 → whole rounds
        assertEquals("2", lines.getxAxisTickLabelsFormattingFunction().apply(2.0));
    }
}
