package org.alignspark.report;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A chart axis that reads like numbers a person writes: bounds and ticks on a 1-2-5 step and labels with as many
 * decimals as the step needs. The algorithm is Heckbert's "loose labeling" (P. S. Heckbert, "Nice Numbers for Graph
 * Labels", Graphics Gems, 1990, pp. 61–63): the range is rounded up to a nice number, the step is the nice number
 * nearest range / (ticks − 1), the bounds are the step's multiples just outside the data, and labels carry
 * max(−⌊log₁₀ step⌋, 0) decimals. XChart draws the axis between {@link #low} and {@link #high} and places its own ticks
 * (also on 1-2-5 steps) there; {@link #label} formats each of them.
 *
 * @param low      the axis minimum, a multiple of {@code step} at or below the data
 * @param high     the axis maximum, a multiple of {@code step} at or above the data
 * @param step     the tick spacing: 1, 2 or 5 times a power of ten
 * @param decimals digits after the decimal point in every label
 */
public record AxisScale(double low, double high, double step, int decimals) {
    /** Heckbert's default: about five ticks an axis. */
    static final int TICKS = 5;

    /**
     * The scale of data from {@code min} to {@code max} with about {@code ticks} ticks. A single value (min = max) gets
     * a range of ±10% of it (±1 around 0), so its axis still has ticks to read it by.
     */
    public static AxisScale of(double min, double max, int ticks) {
        if (!Double.isFinite(min) || !Double.isFinite(max) || min > max) {
            throw new IllegalArgumentException("axis needs finite min ≤ max, got " + min + ", " + max);
        }
        if (min == max) {
            double half = min == 0 ? 1 : Math.abs(min) * 0.1;
            min -= half;
            max += half;
        }
        BigDecimal range = niceNumber(max - min, false);
        BigDecimal step = niceNumber(range.doubleValue() / (ticks - 1), true);
        double low = step.multiply(BigDecimal.valueOf(Math.floor(min / step.doubleValue()))).doubleValue();
        double high = step.multiply(BigDecimal.valueOf(Math.ceil(max / step.doubleValue()))).doubleValue();
        return new AxisScale(low, high, step.doubleValue(), Math.max(-(int) Math.floor(Math.log10(step.doubleValue())), 0));
    }

    /**
     * Heckbert's nice number near {@code x}: 1, 2, 5 or 10 times a power of ten; rounded to the nearest of them when
     * {@code round}, else the smallest at or above {@code x}.
     */
    static BigDecimal niceNumber(double x, boolean round) {
        int exponent = (int) Math.floor(Math.log10(x));
        double fraction = x / Math.pow(10, exponent);   // in [1, 10)
        int nice;
        if (round) {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        }
        return BigDecimal.valueOf(nice).scaleByPowerOfTen(exponent);
    }

    /** The ticks from {@link #low} to {@link #high}, one {@link #step} apart. */
    public List<Double> ticks() {
        BigDecimal step = BigDecimal.valueOf(this.step);
        long count = Math.round((high - low) / this.step);
        List<Double> ticks = new ArrayList<>();
        for (long i = 0; i <= count; i++) {
            ticks.add(BigDecimal.valueOf(low).add(step.multiply(BigDecimal.valueOf(i))).doubleValue());
        }
        return ticks;
    }

    /** The labels of {@link #ticks}. */
    public List<String> labels() {
        return ticks().stream().map(this::label).toList();
    }

    /**
     * {@code value} as a label: {@link #decimals} digits after the point (more where a finer tick needs them, so no two
     * ticks share a label), thousands grouped with commas, and no "-0".
     */
    public String label(double value) {
        int digits = decimals;
        while (digits < 15 && Math.abs(value - round(value, digits)) > step * 1e-6) {
            digits++;
        }
        double rounded = round(value, digits);
        DecimalFormat format = new DecimalFormat(digits == 0 ? "#,##0" : "#,##0." + "0".repeat(digits),
                DecimalFormatSymbols.getInstance(Locale.ROOT));
        return format.format(rounded == 0 ? 0.0 : rounded);
    }

    private static double round(double value, int digits) {
        return BigDecimal.valueOf(value).setScale(digits, RoundingMode.HALF_UP).doubleValue();
    }
}
