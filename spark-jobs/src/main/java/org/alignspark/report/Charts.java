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
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's charts, drawn with XChart and encoded as PNG (headless: no display is needed). */
public final class Charts {
    static final int WIDTH = 760;
    static final int HEIGHT = 380;
    private static final Color CUT = new Color(200, 30, 30);

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
        if (cut != null && Double.isFinite(cut)) {
            XYSeries line = chart.addSeries(cutLabel, new double[]{cut, cut}, new double[]{0, top});
            line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            line.setMarker(SeriesMarkers.NONE);
            line.setLineColor(CUT);
            line.setLineStyle(new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[]{8f, 5f}, 0f));
        }
        return chart;
    }

    /** Lines over x (e.g. metrics per training round); series with no points are left out. */
    public static XYChart lines(String title, String xLabel, String yLabel, Map<String, double[][]> series) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        style(chart);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);   // curves cross every corner of the plot
        for (Map.Entry<String, double[][]> s : series.entrySet()) {
            if (s.getValue()[0].length > 0) {
                chart.addSeries(s.getKey(), s.getValue()[0], s.getValue()[1]).setMarker(s.getValue()[0].length > 40
                        ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
            }
        }
        return chart;
    }

    /** Grouped bars: one group per category, one bar per series. */
    public static CategoryChart bars(String title, String yLabel, List<String> categories, Map<String, List<? extends Number>> series) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT + 60).title(title).yAxisTitle(yLabel).build();
        style(chart);
        chart.getStyler().setXAxisLabelRotation(categories.size() > 4 ? 30 : 0);
        chart.getStyler().setOverlapped(false);
        for (Map.Entry<String, List<? extends Number>> s : series.entrySet()) {
            // A missing value (NaN: e.g. a win rate over no prompts) is drawn as no bar; the page's table shows it.
            List<Double> values = s.getValue().stream().map(v -> Double.isFinite(v.doubleValue()) ? v.doubleValue() : null).toList();
            chart.addSeries(s.getKey(), new ArrayList<>(categories), values);
        }
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

    private static void style(Chart<?, ?> chart) {
        Styler styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setLegendPosition(Styler.LegendPosition.InsideNE);
        styler.setLegendBackgroundColor(new Color(255, 255, 255, 220));
        styler.setAntiAlias(true);
    }
}
