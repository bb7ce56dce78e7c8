package liftnet.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import liftnet.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Turns a results JSON written by {@link StandardSet} into {@code <stem>.md} (samples per second per engine,
 * net, batch and sweeps mode; contrastive against back-propagation; tolerance stop against 15 sweeps) and
 * {@code <stem>.png} (throughput against batch size, log scale).
 *
 * <pre>java -cp bench/target/benchmarks.jar liftnet.bench.Report bench/results/NAME.json</pre>
 */
public final class Report {

    /** The record targets, checked on the CPU engine, 784-64-64-64-10, batch 50. */
    static final String TARGET_NET = "784-64-64-64-10";
    static final double TARGET_SAMPLES = 60_000;
    static final double TARGET_BACKPROP_RATIO = 10;
    static final double TARGET_TOL_SPEEDUP = 2;
    /** Test accuracy the tolerance stop may lose against 15 sweeps and still count as equal: 0.2 points. */
    static final double EQUAL_ACCURACY = 0.002;

    /** One measured score. */
    record Score(double value, double error, Double meanSweeps) {
    }

    /** Key: engine, net, batch, kind (contrastive/free/backprop), sweeps (15/tol/"-"). */
    record Key(String engine, String net, int batch, String kind, String sweeps) {
    }

    /** One colour per net; line style per mode (solid: 15 sweeps, dotted: tolerance, dashed: backprop). */
    private static final Color[] NET_COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0x9467bd), new Color(0xff7f0e)};
    /** One marker per engine: cpu, opencl, cuda. */
    private static final Marker[] ENGINE_MARKERS = {SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND};

    private Report() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: Report RESULTS.json");
        }
        write(Path.of(args[0]));
    }

    /** Writes the markdown table and the chart beside {@code json}. */
    static void write(Path json) throws IOException {
        JsonObject root = JsonParser.parseString(Files.readString(json, StandardCharsets.UTF_8)).getAsJsonObject();
        JsonObject summary = root.getAsJsonObject("summary");
        Map<Key, Score> scores = scores(root);
        String stem = json.getFileName().toString().replaceFirst("\\.json$", "");
        Path md = json.resolveSibling(stem + ".md");
        Path png = json.resolveSibling(stem + ".png");
        String text = markdown(summary, scores, root, png.getFileName().toString());
        AtomicFiles.writeString(md, text);
        if (!scores.isEmpty()) {
            chart(png, summary, scores);
        }
        System.out.println("[bench] wrote " + md + (scores.isEmpty() ? "" : " and " + png));
        System.out.print(text);
    }

    static Map<Key, Score> scores(JsonObject root) {
        Map<String, Double> sweeps = new LinkedHashMap<>();
        if (root.has("trials")) {
            for (JsonElement e : root.getAsJsonArray("trials")) {
                JsonObject t = e.getAsJsonObject();
                if (t.has("meanSweeps")) {
                    sweeps.put(t.get("benchmark").getAsString() + t.getAsJsonObject("params"), t.get("meanSweeps").getAsDouble());
                }
            }
        }
        Map<Key, Score> scores = new LinkedHashMap<>();
        for (JsonElement e : root.getAsJsonArray("jmh")) {
            JsonObject r = e.getAsJsonObject();
            String benchmark = r.get("benchmark").getAsString();
            String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            int us = method.lastIndexOf("_b");
            String kind = method.substring(0, us);
            int batch = Integer.parseInt(method.substring(us + 2));
            JsonObject params = r.getAsJsonObject("params");
            String mode = params.has("sweeps") ? params.get("sweeps").getAsString() : "-";
            JsonObject pm = r.getAsJsonObject("primaryMetric");
            double error = pm.get("scoreError").isJsonPrimitive() && pm.get("scoreError").getAsJsonPrimitive().isNumber()
                    ? pm.get("scoreError").getAsDouble() : Double.NaN;
            scores.put(new Key(params.get("engine").getAsString(), params.get("net").getAsString(), batch, kind, mode),
                    new Score(pm.get("score").getAsDouble(), error, sweeps.get(benchmark + params)));
        }
        return scores;
    }

    static String markdown(JsonObject summary, Map<Key, Score> scores, JsonObject root, String pngName) {
        StringBuilder sb = new StringBuilder();
        sb.append("# liftnet benchmarks: ").append(str(summary, "machine")).append(", ").append(str(summary, "date"))
                .append(" (").append(str(summary, "set")).append(" set)\n\n");
        sb.append("- CPU: ").append(str(summary, "cpu")).append(", ").append(str(summary, "cores"))
                .append(" cores; the CPU engine ran on ").append(str(summary, "cpuThreads")).append(" threads\n");
        sb.append("- JDK: ").append(str(summary, "jdk")).append("; JMH ").append(str(summary, "jmh")).append(", ")
                .append("throughput mode, 1 fork\n");
        sb.append("- Iterations: ").append(summary.get("iterations")).append("\n");
        sb.append("- Load average (/proc/loadavg) at start: ").append(str(summary, "loadAverageAtStart")).append("; at end: ")
                .append(str(summary, "loadAverageAtEnd")).append("; benchmarks took ").append(str(summary, "seconds"))
                .append(" s\n");
        sb.append("- Engines:");
        summary.getAsJsonObject("engines").entrySet().forEach(e -> sb.append(" ").append(e.getKey()).append(" ")
                .append(e.getValue().getAsString()).append(";"));
        sb.append("\n");
        Set<String> inputs = new LinkedHashSet<>();
        Map<String, Integer> validated = new LinkedHashMap<>();
        boolean diverged = false;
        double maxLoad = 0;
        if (root.has("trials")) {
            for (JsonElement e : root.getAsJsonArray("trials")) {
                JsonObject t = e.getAsJsonObject();
                inputs.add(t.getAsJsonObject("params").get("net").getAsString() + ": " + t.get("inputs").getAsString());
                String engine = t.getAsJsonObject("params").get("engine").getAsString();
                validated.merge(engine, t.get("validation").getAsString().startsWith("not validated") ? 0 : 1, Integer::sum);
                diverged |= t.get("diverged").getAsBoolean();
                if (t.has("loadAverage")) {
                    double load = Double.parseDouble(t.get("loadAverage").getAsString().split(" ")[0]);
                    maxLoad = Math.max(maxLoad, load);
                }
            }
        }
        sb.append("- Inputs: ").append(String.join("; ", inputs)).append("\n");
        sb.append("- Checked against the CPU engine before timing (energies relative 1e-4, gradients 2e-3; errors per ")
                .append("trial in the JSON, `trials[].validation`):");
        validated.forEach((engine, n) -> sb.append(" ").append(engine).append(": ")
                .append(n == 0 ? "reference, not checked" : n + " trials passed").append(";"));
        sb.append(" a trial that fails the check has no score (n/a)\n");
        int cores = summary.has("cores") ? summary.get("cores").getAsInt() : 1;
        if (maxLoad > cores + 1) {
            sb.append(String.format(Locale.ROOT, "- **Warning**: the 1-minute load average reached %.2f during the run "
                    + "(%d cores; the benchmark itself accounts for about %d): other processes competed for the CPU, "
                    + "so the numbers are low and noisy.%n", maxLoad, cores, cores));
        }
        if (diverged) {
            sb.append("- Note: some trial skipped a non-finite update (training diverged); see the JSON.\n");
        }
        sb.append("- Model: ReLU, gamma = 1/8, red-black Jacobi; `15` = 15 sweeps per phase, `tol` = stop at a relative ")
                .append("energy decrease of a sweep below ").append(Workload.TOLERANCE)
                .append(" (at most 15), with the mean sweeps per inference in brackets.\n\n");

        sb.append("## Samples per second\n\n");
        sb.append("| engine | net | batch | contrastive 15 | contrastive tol | free 15 | free tol | backprop |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        List<Key> rows = rows(scores);
        for (Key r : rows) {
            sb.append("| ").append(r.engine()).append(" | ").append(r.net()).append(" | ").append(r.batch());
            for (String[] c : new String[][] {{"contrastive", "15"}, {"contrastive", "tol"}, {"free", "15"},
                    {"free", "tol"}, {"backprop", "-"}}) {
                Score s = scores.get(new Key(r.engine(), r.net(), r.batch(), c[0], c[1]));
                sb.append(" | ").append(s == null ? "n/a" : fmt(s.value()) + (c[1].equals("tol") && s.meanSweeps() != null
                        ? String.format(Locale.ROOT, " (%.1f)", s.meanSweeps()) : ""));
            }
            sb.append(" |\n");
        }
        sb.append("\n## Ratios\n\n");
        sb.append("Time per sample of a contrastive step over that of a back-propagation step (lower is better), and ")
                .append("throughput with the tolerance stop over throughput with 15 sweeps (higher is better).\n\n");
        sb.append("| engine | net | batch | contrastive/backprop, 15 | contrastive/backprop, tol | tol/15, contrastive | tol/15, free |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|\n");
        for (Key r : rows) {
            double c15 = value(scores, r, "contrastive", "15");
            double ctol = value(scores, r, "contrastive", "tol");
            double f15 = value(scores, r, "free", "15");
            double ftol = value(scores, r, "free", "tol");
            double bp = value(scores, r, "backprop", "-");
            sb.append("| ").append(r.engine()).append(" | ").append(r.net()).append(" | ").append(r.batch())
                    .append(" | ").append(ratio(bp / c15)).append(" | ").append(ratio(bp / ctol))
                    .append(" | ").append(ratio(ctol / c15)).append(" | ").append(ratio(ftol / f15)).append(" |\n");
        }
        JsonObject cpuPair = pairs(root, sb);
        Key t = new Key("cpu", TARGET_NET, 50, "", "");
        double c15 = value(scores, t, "contrastive", "15");
        boolean quick = summary.has("set") && summary.get("set").getAsString().equals("quick");
        if (quick && !Double.isNaN(c15)) {
            // --quick: JMH trials of a fraction of a second without warm-up; the figures check that everything runs
            sb.append("\n## Targets\n\nNot judged: --quick measures without warm-up (contrastive, 15 sweeps: ").append(fmt(c15))
                    .append(" samples/s unwarmed); run scripts/bench.sh without --quick for the figures the targets are"
                            + " judged on.\n");
        } else if (!Double.isNaN(c15)) {
            double ctol = value(scores, t, "contrastive", "tol");
            double bp = value(scores, t, "backprop", "-");
            sb.append("\n## Targets (CPU, ").append(TARGET_NET).append(", batch 50)\n\n");
            sb.append(String.format(Locale.ROOT, "- contrastive, 15 sweeps: %s samples/s (target >= %s): %s%n", fmt(c15),
                    fmt(TARGET_SAMPLES), c15 >= TARGET_SAMPLES ? "met" : "not met"));
            sb.append(String.format(Locale.ROOT, "- contrastive time / backprop time: %s (target <= %.0f): %s%n", ratio(bp / c15),
                    TARGET_BACKPROP_RATIO, bp / c15 <= TARGET_BACKPROP_RATIO ? "met" : "not met"));
            if (cpuPair != null) {
                double r = cpuPair.get("medianRatio").getAsDouble();
                JsonArray epochs = cpuPair.getAsJsonArray("epochs");
                JsonObject last = epochs.get(epochs.size() - 1).getAsJsonObject();
                double acc15 = last.get("accuracy15").getAsDouble();
                double accTol = last.get("accuracyTol").getAsDouble();
                double meanGap = 0;
                for (JsonElement e : epochs) {
                    JsonObject o = e.getAsJsonObject();
                    meanGap += (o.get("accuracyTol").getAsDouble() - o.get("accuracy15").getAsDouble()) / epochs.size();
                }
                sb.append(String.format(Locale.ROOT, "- tolerance stop / 15 sweeps, training MNIST epochs in turns: %s "
                                + "(target >= %.0f at equal accuracy, i.e. test accuracy after the last epoch at most "
                                + "%.1f points lower): %s; test accuracy after epoch %d %.4f with the tolerance stop, "
                                + "%.4f with 15 sweeps (%+.2f points; %+.2f points on average over the %d epochs)%n",
                        ratio(r), TARGET_TOL_SPEEDUP, 100 * EQUAL_ACCURACY,
                        r >= TARGET_TOL_SPEEDUP && accTol >= acc15 - EQUAL_ACCURACY ? "met" : "not met", epochs.size(),
                        accTol, acc15, 100 * (accTol - acc15), 100 * meanGap, epochs.size()));
                sb.append(String.format(Locale.ROOT, "- the same ratio from the JMH trials above, run one after the "
                        + "other: %s%n", ratio(ctol / c15)));
            } else {
                sb.append(String.format(Locale.ROOT, "- tolerance stop / 15 sweeps, contrastive (JMH trials): %s "
                                + "(target >= %.0f): %s%n", ratio(ctol / c15), TARGET_TOL_SPEEDUP,
                        ctol / c15 >= TARGET_TOL_SPEEDUP ? "met" : "not met"));
            }
        }
        sb.append("\n![throughput against batch size](").append(pngName).append(")\n");
        return sb.toString();
    }

    /**
     * Appends the {@link TolerancePair} table, one row per engine and epoch, and returns the CPU engine's pair
     * ({@code null} when it did not run or failed).
     */
    private static JsonObject pairs(JsonObject root, StringBuilder sb) {
        if (!root.has("tolerancePairs") || root.getAsJsonArray("tolerancePairs").isEmpty()) {
            return null;
        }
        JsonObject cpu = null;
        sb.append("\n## Tolerance stop against 15 sweeps, training in turns\n\n");
        sb.append("Two engines train ").append(TolerancePair.NET).append(" on MNIST from the same weights, batch ")
                .append(TolerancePair.BATCH).append(", learning rate ").append(TolerancePair.LEARNING_RATE)
                .append(": one with 15 sweeps per phase, one with the tolerance stop; they take turns epoch by epoch, ")
                .append("so both meet the same machine. Test accuracy after each epoch; the ratio is the median over the ")
                .append("epochs after the first (which includes JIT compilation).\n\n");
        sb.append("| engine | epoch | 15 sweeps, samples/s | tol, samples/s (sweeps) | tol/15 | test accuracy, 15 | test accuracy, tol |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (JsonElement e : root.getAsJsonArray("tolerancePairs")) {
            JsonObject p = e.getAsJsonObject();
            String engine = p.get("engine").getAsString();
            if (p.has("error")) {
                sb.append("| ").append(engine).append(" | n/a: ").append(p.get("error").getAsString())
                        .append(" | | | | | |\n");
                continue;
            }
            double samples = p.get("samples").getAsDouble();
            for (JsonElement ee : p.getAsJsonArray("epochs")) {
                JsonObject epoch = ee.getAsJsonObject();
                double s15 = epoch.get("seconds15").getAsDouble();
                double sTol = epoch.get("secondsTol").getAsDouble();
                sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s (%.1f) | %s | %.4f | %.4f |%n", engine,
                        epoch.get("epoch").getAsInt(), fmt(samples / s15), fmt(samples / sTol),
                        epoch.get("meanSweepsTol").getAsDouble(), ratio(s15 / sTol),
                        epoch.get("accuracy15").getAsDouble(), epoch.get("accuracyTol").getAsDouble()));
            }
            sb.append(String.format(Locale.ROOT, "| %s | median | | | **%s** | | |%n", engine,
                    ratio(p.get("medianRatio").getAsDouble())));
            if (engine.equals("cpu")) {
                cpu = p;
            }
        }
        return cpu;
    }

    /** Distinct (engine, net, batch), in measurement order. */
    private static List<Key> rows(Map<Key, Score> scores) {
        Set<Key> rows = new LinkedHashSet<>();
        for (Key k : scores.keySet()) {
            rows.add(new Key(k.engine(), k.net(), k.batch(), "", ""));
        }
        List<Key> list = new ArrayList<>(rows);
        List<String> nets = new ArrayList<>();
        for (Key k : list) {
            if (!nets.contains(k.net())) {
                nets.add(k.net());
            }
        }
        list.sort((a, b) -> a.engine().equals(b.engine())
                ? (a.net().equals(b.net()) ? Integer.compare(a.batch(), b.batch()) : Integer.compare(nets.indexOf(a.net()), nets.indexOf(b.net())))
                : Integer.compare(StandardSet.ALL_ENGINES.indexOf(a.engine()), StandardSet.ALL_ENGINES.indexOf(b.engine())));
        return list;
    }

    private static double value(Map<Key, Score> scores, Key row, String kind, String sweeps) {
        Score s = scores.get(new Key(row.engine(), row.net(), row.batch(), kind, sweeps));
        return s == null ? Double.NaN : s.value();
    }

    static void chart(Path png, JsonObject summary, Map<Key, Score> scores) throws IOException {
        XYChart chart = new XYChartBuilder().width(1250).height(650)
                .title("liftnet throughput, " + str(summary, "machine") + " (" + str(summary, "cores") + " cores)")
                .xAxisTitle("batch size").yAxisTitle("samples / s (log scale)").build();
        Styler styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setLegendLayout(Styler.LegendLayout.Vertical);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisLogarithmic(true);
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (Map.Entry<Key, Score> e : scores.entrySet()) {
            Key k = e.getKey();
            if (k.kind().equals("free")) {
                continue;
            }
            String name = k.engine() + " " + k.net() + " " + (k.kind().equals("backprop") ? "backprop" : "contrastive " + k.sweeps());
            series.computeIfAbsent(name, n -> new ArrayList<>()).add(new double[] {k.batch(), e.getValue().value()});
        }
        List<String> nets = new ArrayList<>();
        scores.keySet().forEach(k -> {
            if (!nets.contains(k.net())) {
                nets.add(k.net());
            }
        });
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            List<double[]> pts = e.getValue();
            pts.sort((a, b) -> Double.compare(a[0], b[0]));
            double[] xs = pts.stream().mapToDouble(p -> p[0]).toArray();
            double[] ys = pts.stream().mapToDouble(p -> p[1]).toArray();
            XYSeries s = chart.addSeries(e.getKey(), xs, ys);
            String[] parts = e.getKey().split(" ");
            s.setLineColor(NET_COLORS[Math.floorMod(nets.indexOf(parts[1]), NET_COLORS.length)]);
            s.setMarkerColor(NET_COLORS[Math.floorMod(nets.indexOf(parts[1]), NET_COLORS.length)]);
            s.setMarker(ENGINE_MARKERS[Math.max(0, StandardSet.ALL_ENGINES.indexOf(parts[0]))]);
            if (e.getKey().endsWith("backprop")) {
                s.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            } else if (e.getKey().endsWith("tol")) {
                s.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {2f, 3f}, 0f));
            }
        }
        AtomicFiles.write(png, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }

    private static String str(JsonObject o, String key) {
        return o.has(key) ? o.get(key).getAsString() : "?";
    }

    static String fmt(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,.0f", v);
    }

    static String ratio(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "n/a" : String.format(Locale.ROOT, "%.2f", v);
    }
}
