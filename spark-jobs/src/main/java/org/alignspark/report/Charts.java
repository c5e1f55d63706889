package org.alignspark.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's charts, drawn with XChart and encoded as PNG (headless: no display is needed). */
public final class Charts {
    static final int WIDTH = 760;
    static final int HEIGHT = 380;
    private static final Color CUT = new Color(200, 30, 30);
    /** Pixels of a chart's width and height outside its plot (axis titles and labels, title, legend), about. */
    private static final int AXIS_MARGIN_X = 80;
    private static final int AXIS_MARGIN_Y = 90;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

    /**
     * Overlaid histograms drawn as steps over the same bins, one per series, with an optional dashed vertical line at
     * {@code cut} (e.g. the CHES filter's threshold).
     */
    public static XYChart histogram(String title, String xLabel, Histogram histogram, Double cut, String cutLabel) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel).yAxisTitle("count").build();
        style(chart);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.StepArea);
        Histogram.Bins bins = histogram.bins();
        long top = 1;
        for (Map.Entry<String, long[]> s : histogram.counts().entrySet()) {
            long[] counts = s.getValue();
            // A step series needs the right edge of the last bin too: count+1 points, the last repeating the last count.
            double[] x = new double[bins.count() + 1];
            double[] y = new double[bins.count() + 1];
            long total = 0;
            for (int i = 0; i <= bins.count(); i++) {
                x[i] = bins.edge(i);
                y[i] = counts[Math.min(i, bins.count() - 1)];
                top = Math.max(top, (long) y[i]);
                total += i < bins.count() ? counts[i] : 0;
            }
            chart.addSeries(s.getKey() + " (" + total + ")", x, y).setMarker(SeriesMarkers.NONE);
        }
        double xMin = bins.edge(0);
        double xMax = bins.edge(bins.count());
        if (cut != null && Double.isFinite(cut)) {
            xMin = Math.min(xMin, cut);
            xMax = Math.max(xMax, cut);
            XYSeries line = chart.addSeries(cutLabel, new double[]{cut, cut}, new double[]{0, top});
            line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            line.setMarker(SeriesMarkers.NONE);
            line.setLineColor(CUT);
            line.setLineStyle(new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[]{8f, 5f}, 0f));
        }
        xAxis(chart, xMin, xMax, AxisScale.TICKS);
        yAxis(chart, 0, top);
        return chart;
    }

    /** Lines over x (e.g. metrics per training round); series with no points are left out. */
    public static XYChart lines(String title, String xLabel, String yLabel, Map<String, double[][]> series) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        style(chart);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);   // curves cross every corner of the plot
        Range x = new Range();
        Range y = new Range();
        for (Map.Entry<String, double[][]> s : series.entrySet()) {
            if (s.getValue()[0].length > 0) {
                chart.addSeries(s.getKey(), s.getValue()[0], s.getValue()[1]).setMarker(s.getValue()[0].length > 40
                        ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
                x.addAll(s.getValue()[0]);
                y.addAll(s.getValue()[1]);
            }
        }
        if (x.isSet() && y.isSet()) {
            // Rounds and weights: no more ticks than values, so three rounds read 1, 2, 3 rather than 1.0, 1.5, …
            xAxis(chart, x.min, x.max, Math.max(2, Math.min(AxisScale.TICKS, x.distinct.size())));
            yAxis(chart, y.min, y.max);
        }
        return chart;
    }

    /** Grouped bars: one group per category, one bar per series. */
    public static CategoryChart bars(String title, String yLabel, List<String> categories, Map<String, List<? extends Number>> series) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT + 60).title(title).yAxisTitle(yLabel).build();
        style(chart);
        chart.getStyler().setXAxisLabelRotation(categories.size() > 4 ? 30 : 0);
        chart.getStyler().setOverlapped(false);
        Range y = new Range();
        y.add(0);   // bars start at 0
        for (Map.Entry<String, List<? extends Number>> s : series.entrySet()) {
            // A missing value (NaN: e.g. a win rate over no prompts) is drawn as no bar; the page's table shows it.
            List<Double> values = s.getValue().stream().map(v -> Double.isFinite(v.doubleValue()) ? v.doubleValue() : null).toList();
            chart.addSeries(s.getKey(), new ArrayList<>(categories), values);
            values.forEach(v -> y.add(v == null ? Double.NaN : v));
        }
        yAxis(chart, y.min, y.max);
        return chart;
    }

    /** The chart as PNG bytes. */
    public static byte[] png(Chart<?, ?> chart) {
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode chart '" + chart.getTitle() + "'", e);
        }
    }

    /** Columns x and y of a list of points, for {@link #lines}. */
    public static double[][] xy(List<double[]> points) {
        double[][] xy = new double[2][points.size()];
        for (int i = 0; i < points.size(); i++) {
            xy[0][i] = points.get(i)[0];
            xy[1][i] = points.get(i)[1];
        }
        return xy;
    }

    /** A series map that keeps insertion order (the legend's order). */
    public static <V> Map<String, V> ordered() {
        return new LinkedHashMap<>();
    }

    /** The x axis between nice bounds around [min, max] with about {@code ticks} ticks, labelled as {@link AxisScale} writes them. */
    private static void xAxis(Chart<? extends AxesChartStyler, ?> chart, double min, double max, int ticks) {
        AxisScale scale = AxisScale.of(min, max, ticks);
        AxesChartStyler styler = chart.getStyler();
        styler.setXAxisMin(scale.low());
        styler.setXAxisMax(scale.high());
        styler.setXAxisTickMarkSpacingHint(tickSpacingHint(scale, chart.getWidth() - AXIS_MARGIN_X));
        styler.setxAxisTickLabelsFormattingFunction(scale::label);
    }

    /** The y axis between nice bounds around [min, max], labelled as {@link AxisScale} writes them. */
    private static void yAxis(Chart<? extends AxesChartStyler, ?> chart, double min, double max) {
        AxisScale scale = AxisScale.of(min, max, AxisScale.TICKS);
        AxesChartStyler styler = chart.getStyler();
        styler.setYAxisMin(scale.low());
        styler.setYAxisMax(scale.high());
        styler.setYAxisTickMarkSpacingHint(tickSpacingHint(scale, chart.getHeight() - AXIS_MARGIN_Y));
        styler.setyAxisTickLabelsFormattingFunction(scale::label);
    }

    /**
     * The tick spacing hint under which XChart draws the scale's own step. XChart spaces its ticks by the 1-2-5 number
     * nearest span · (hint − 5) / plot pixels, so a hint of 5 + pixels · step / span gives the scale's step back (within
     * the −25%…+50% that rounds to the same 1-2-5 number), and every tick then has the decimals its label carries.
     * {@code pixels} is the plot's length estimated from the chart's size less its titles, labels and legend.
     */
    private static int tickSpacingHint(AxisScale scale, int pixels) {
        return 5 + (int) Math.round(pixels * scale.step() / (scale.high() - scale.low()));
    }

    /** The finite values' smallest and largest. */
    private static final class Range {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        final java.util.Set<Double> distinct = new java.util.HashSet<>();

        void add(double v) {
            if (Double.isFinite(v)) {
                min = Math.min(min, v);
                max = Math.max(max, v);
                distinct.add(v);
            }
        }

        void addAll(double[] values) {
            for (double v : values) {
                add(v);
            }
        }

        boolean isSet() {
            return min <= max;
        }
    }

    private static void style(Chart<?, ?> chart) {
        Styler styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setLegendPosition(Styler.LegendPosition.InsideNE);
        styler.setLegendBackgroundColor(new Color(255, 255, 255, 220));
        styler.setAntiAlias(true);
    }
}
