package liftnet.score;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import liftnet.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * One PNG (drawn with XChart, written atomically): the ROC curve of every score (share of OOD flagged against
 * share of in-distribution flagged), then per score the histograms of the two sets, as densities over a range
 * that holds the central 99% of both sets (values outside it land in the edge bins).
 */
public final class ScorePlot {

    private static final int PANEL_WIDTH = 520;
    private static final int PANEL_HEIGHT = 400;
    private static final int COLUMNS = 3;
    private static final int BINS = 50;
    /** Most points drawn per ROC curve. */
    private static final int ROC_POINTS = 400;
    /** Share of each set left out at either end when choosing a histogram's range. */
    private static final double TAIL = 0.005;
    /** Pixels between ticks (XChart's hint, which otherwise crowds ~30 ticks on the thinned ROC curve). */
    private static final int TICK_SPACING = 70;

    private ScorePlot() {
    }

    /**
     * @param in  scores of the in-distribution set, as {@link SampleScores#compute} returns them; not modified
     * @param ood scores of the OOD set; not modified
     */
    public static void write(Path png, String inName, String oodName, Map<Score, double[]> in, Map<Score, double[]> ood)
            throws IOException {
        List<XYChart> charts = new ArrayList<>();
        XYChart roc = chart("ROC, OOD = " + oodName, "in-distribution flagged (FPR)",
                "OOD flagged (TPR)");
        roc.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        // rates from 0 to 1 in steps of 0.2
        roc.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.0)
                .setXAxisDecimalPattern("0.0").setYAxisDecimalPattern("0.0");
        for (Score s : in.keySet()) {
            double[][] curve = OodMetrics.rocCurve(s.oriented(in.get(s)), s.oriented(ood.get(s)));
            double[][] thin = thin(curve);
            double auroc = OodMetrics.auroc(s.oriented(in.get(s)), s.oriented(ood.get(s)));
            XYSeries series = roc.addSeries(String.format(java.util.Locale.ROOT, "%s (%.3f)", s.id(), auroc), thin[0], thin[1]);
            series.setMarker(SeriesMarkers.NONE);
        }
        XYSeries chance = roc.addSeries("chance", new double[] {0, 1}, new double[] {0, 1});
        chance.setMarker(SeriesMarkers.NONE);
        chance.setLineColor(Color.LIGHT_GRAY);
        charts.add(roc);
        for (Score s : in.keySet()) {
            charts.add(histogram(s, inName, oodName, in.get(s), ood.get(s)));
        }
        int rows = (charts.size() + COLUMNS - 1) / COLUMNS;
        while (charts.size() < rows * COLUMNS) {
            XYChart empty = chart("", "", "");
            empty.addSeries(" ", new double[] {0}, new double[] {0}).setMarker(SeriesMarkers.NONE);
            charts.add(empty);
        }
        AtomicFiles.write(png, out -> BitmapEncoder.saveBitmap(charts, rows, COLUMNS, out, BitmapEncoder.BitmapFormat.PNG));
    }

    private static XYChart histogram(Score s, String inName, String oodName, double[] in, double[] ood) {
        double[] lo = {quantile(in, TAIL), quantile(ood, TAIL)};
        double[] hi = {quantile(in, 1 - TAIL), quantile(ood, 1 - TAIL)};
        double min = Math.min(lo[0], lo[1]);
        double max = Math.max(hi[0], hi[1]);
        if (!(max > min)) {
            max = min + 1;
        }
        XYChart chart = chart(s.id() + (s.oodWhenHigher() ? " (OOD when higher)" : " (OOD when lower)"), s.id(), "density");
        chart.getStyler().setXAxisDecimalPattern(Math.max(Math.abs(min), Math.abs(max)) < 0.01 ? "0.#E0" : "#,##0.##");
        double width = (max - min) / BINS;
        double[] x = new double[BINS];
        for (int b = 0; b < BINS; b++) {
            x[b] = min + (b + 0.5) * width;
        }
        chart.addSeries(inName, x, density(in, min, width)).setMarker(SeriesMarkers.NONE);
        chart.addSeries(oodName, x, density(ood, min, width)).setMarker(SeriesMarkers.NONE);
        return chart;
    }

    private static double[] density(double[] v, double min, double width) {
        double[] d = new double[BINS];
        for (double x : v) {
            int b = (int) Math.floor((x - min) / width);
            d[Math.max(0, Math.min(BINS - 1, b))] += 1;
        }
        for (int b = 0; b < BINS; b++) {
            d[b] /= v.length * width;
        }
        return d;
    }

    private static double quantile(double[] v, double q) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
    }

    /** At most {@link #ROC_POINTS} points of the curve, its ends kept. */
    private static double[][] thin(double[][] curve) {
        int n = curve[0].length;
        if (n <= ROC_POINTS) {
            return curve;
        }
        double[] x = new double[ROC_POINTS];
        double[] y = new double[ROC_POINTS];
        for (int i = 0; i < ROC_POINTS; i++) {
            int j = (int) Math.round(i * (n - 1) / (double) (ROC_POINTS - 1));
            x[i] = curve[0][j];
            y[i] = curve[1][j];
        }
        return new double[][] {x, y};
    }

    private static XYChart chart(String title, String xLabel, String yLabel) {
        XYChart chart = new XYChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        Styler st = chart.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotBorderColor(Color.DARK_GRAY);
        st.setLegendPosition(Styler.LegendPosition.InsideNE);
        st.setAntiAlias(true);
        chart.getStyler().setXAxisTickMarkSpacingHint(TICK_SPACING).setYAxisTickMarkSpacingHint(TICK_SPACING);
        return chart;
    }
}
