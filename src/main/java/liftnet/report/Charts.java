package liftnet.report;

import liftnet.io.AtomicFiles;

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

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Line and bar charts as PNG files, drawn with XChart and written atomically. Works headless
 * ({@code -Djava.awt.headless=true}). Series appear in the map's iteration order: pass a {@code LinkedHashMap}
 * to control the legend.
 */
public final class Charts {

    /** Default image width in pixels. */
    public static final int WIDTH = 800;
    /** Default image height in pixels. */
    public static final int HEIGHT = 600;
    /** Series longer than this are drawn without markers. */
    private static final int MARKER_LIMIT = 40;
    /**
     * Axis tick labels: at most 6 decimals, so that a tick such as {@code 65.69500000000001} (XChart adds up its tick
     * steps in floating point) reads {@code 65.695}.
     */
    static final String TICK_PATTERN = "0.######";

    private Charts() {
    }

    /** {@link #lineChart(Path, String, String, String, Map, int, int)} at {@link #WIDTH} x {@link #HEIGHT}. */
    public static void lineChart(Path png, String title, String xLabel, String yLabel, Map<String, double[][]> series)
            throws IOException {
        lineChart(png, title, xLabel, yLabel, series, WIDTH, HEIGHT);
    }

    /**
     * A line chart, one line per series.
     *
     * @param series name to {@code {xs, ys}}, two arrays of equal, non-zero length; not modified
     * @throws IllegalArgumentException if there is no series, a series is not two arrays of equal length, or the
     *                                  size is not positive
     */
    public static void lineChart(Path png, String title, String xLabel, String yLabel, Map<String, double[][]> series,
                                 int width, int height) throws IOException {
        checkSize(width, height);
        if (series == null || series.isEmpty()) {
            throw new IllegalArgumentException("line chart '" + title + "' needs at least one series");
        }
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title)
                .xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        style(chart.getStyler());
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            double[][] xy = e.getValue();
            if (xy == null || xy.length != 2 || xy[0] == null || xy[1] == null || xy[0].length != xy[1].length
                    || xy[0].length == 0) {
                throw new IllegalArgumentException("series '" + e.getKey() + "' must be {xs, ys} of equal, non-zero "
                        + "length; found " + describe(xy));
            }
            XYSeries s = chart.addSeries(e.getKey(), xy[0].clone(), xy[1].clone());
            if (xy[0].length > MARKER_LIMIT) {
                s.setMarker(SeriesMarkers.NONE);
            }
        }
        save(png, chart);
    }

    /**
     * A line chart with error bars, one line per series, at {@link #WIDTH} x {@link #HEIGHT} (e.g. a mean over seeds
     * with &plusmn; one standard deviation).
     *
     * @param series name to {@code {xs, ys, errors}}, three arrays of equal, non-zero length; not modified
     * @throws IllegalArgumentException if there is no series or a series is not three arrays of equal length
     */
    public static void errorBarChart(Path png, String title, String xLabel, String yLabel, Map<String, double[][]> series)
            throws IOException {
        if (series == null || series.isEmpty()) {
            throw new IllegalArgumentException("chart '" + title + "' needs at least one series");
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        style(chart.getStyler());
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            double[][] xye = e.getValue();
            if (xye == null || xye.length != 3 || xye[0] == null || xye[1] == null || xye[2] == null
                    || xye[0].length == 0 || xye[0].length != xye[1].length || xye[0].length != xye[2].length) {
                throw new IllegalArgumentException("series '" + e.getKey() + "' must be {xs, ys, errors} of equal, non-zero length");
            }
            XYSeries s = chart.addSeries(e.getKey(), xye[0].clone(), xye[1].clone(), xye[2].clone());
            if (xye[0].length > MARKER_LIMIT) {
                s.setMarker(SeriesMarkers.NONE);
            }
        }
        save(png, chart);
    }

    /** {@link #barChart(Path, String, String, String, List, Map, int, int)} at {@link #WIDTH} x {@link #HEIGHT}. */
    public static void barChart(Path png, String title, String xLabel, String yLabel, List<String> categories,
                                Map<String, double[]> series) throws IOException {
        barChart(png, title, xLabel, yLabel, categories, series, WIDTH, HEIGHT);
    }

    /**
     * A grouped bar chart: one group per category, one bar per series in each group (e.g. categories = methods,
     * series = test and train accuracy).
     *
     * @param series name to one value per category; not modified
     * @throws IllegalArgumentException if there are no categories or series, a series' length differs from the
     *                                  number of categories, or the size is not positive
     */
    public static void barChart(Path png, String title, String xLabel, String yLabel, List<String> categories,
                                Map<String, double[]> series, int width, int height) throws IOException {
        checkSize(width, height);
        if (categories == null || categories.isEmpty() || series == null || series.isEmpty()) {
            throw new IllegalArgumentException("bar chart '" + title + "' needs at least one category and one series");
        }
        CategoryChart chart = new CategoryChartBuilder().width(width).height(height).title(title)
                .xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        style(chart.getStyler());
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            double[] ys = e.getValue();
            if (ys == null || ys.length != categories.size()) {
                throw new IllegalArgumentException("series '" + e.getKey() + "' must hold one value per category ("
                        + categories.size() + "); found " + (ys == null ? "null" : ys.length));
            }
            List<Double> values = new ArrayList<>(ys.length);
            for (double y : ys) {
                values.add(y);
            }
            chart.addSeries(e.getKey(), new ArrayList<>(categories), values);
        }
        save(png, chart);
    }

    private static void style(Styler styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotBorderColor(Color.DARK_GRAY);
        styler.setLegendBorderColor(Color.LIGHT_GRAY);
        styler.setAntiAlias(true);
        // below the plot, so that the legend never hides a curve
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        if (styler instanceof AxesChartStyler axes) {
            axes.setXAxisDecimalPattern(TICK_PATTERN);
            axes.setYAxisDecimalPattern(TICK_PATTERN);
        }
    }

    private static void save(Path png, Chart<?, ?> chart) throws IOException {
        AtomicFiles.write(png, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }

    private static void checkSize(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("chart size must be positive; found " + width + " x " + height);
        }
    }

    private static String describe(double[][] xy) {
        if (xy == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder().append(xy.length).append(" arrays");
        if (xy.length == 2 && xy[0] != null && xy[1] != null) {
            sb.append(" of lengths ").append(xy[0].length).append(" and ").append(xy[1].length);
        }
        return sb.toString();
    }
}
