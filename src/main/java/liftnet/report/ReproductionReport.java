package liftnet.report;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import liftnet.api.Parameters;
import liftnet.api.Units;
import liftnet.data.Dataset;
import liftnet.io.AtomicFiles;
import liftnet.io.ModelFile;
import liftnet.train.RunFolder;

/**
 * Turns the run folders of a reproduction ({@code runs/<row id>/metrics.jsonl, config.json, model.safetensors})
 * into {@code tables.json}, {@code REPORT.md} and the figures: Figure 1's filters, training curves per table
 * and the Section 4 gradient agreement.
 */
public final class ReproductionReport {

    /** Feedback weights of the Section 4 figure: 1/2 .. 1/256. */
    public static final double[] SECTION4_GAMMAS = {1.0 / 2, 1.0 / 4, 1.0 / 8, 1.0 / 16, 1.0 / 32, 1.0 / 64, 1.0 / 128, 1.0 / 256};

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    private final Path runs;
    private final Path out;

    public ReproductionReport(Path runs, Path out) {
        this.runs = runs;
        this.out = out;
    }

    /** What one row's run folder holds. */
    public record Result(PaperTables.Row row, String status, List<JsonObject> epochs, JsonObject config,
                         List<String> divergedAttempts) {

        /** The {@code --lr} (eta_BP) of the run, or NaN when unknown. */
        double learningRate() {
            return config != null && config.has("lr") ? config.get("lr").getAsDouble() : Double.NaN;
        }

        JsonObject last() {
            return epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
        }

        double seconds() {
            double s = 0;
            for (JsonObject e : epochs) {
                s += e.has("seconds") ? e.get("seconds").getAsDouble() : 0;
            }
            return s;
        }
    }

    /** Reads every row's run folder; rows without one are "not run". */
    public List<Result> read(boolean cifarAvailable) throws IOException {
        List<Result> results = new ArrayList<>();
        for (PaperTables.Row row : PaperTables.rows()) {
            Path dir = runs.resolve(row.id());
            List<JsonObject> epochs = readEpochs(dir);
            JsonObject config = null;
            if (Files.exists(dir.resolve("config.json"))) {
                config = JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject();
            }
            String status;
            if (row.dataset().equals("cifar10") && !cifarAvailable && epochs.isEmpty()) {
                status = "not run: data not available";
            } else if (epochs.isEmpty()) {
                status = "not run";
            } else {
                int planned = config != null && config.has("epochs") ? config.get("epochs").getAsInt() : row.epochs();
                status = epochs.size() >= planned ? "done" : "partial " + epochs.size() + "/" + planned;
            }
            results.add(new Result(row, status, epochs, config, divergedAttempts(row)));
        }
        return results;
    }

    /**
     * Earlier attempts of the row, kept beside it as {@code <id>.<reason>-lr<rate>} (reproduce.sh keeps
     * {@code diverged} ones; an {@code unstable} one is kept by hand): "--lr R <reason>: E epochs, test ...".
     */
    private List<String> divergedAttempts(PaperTables.Row row) throws IOException {
        List<String> attempts = new ArrayList<>();
        if (!Files.isDirectory(runs)) {
            return attempts;
        }
        String prefix = row.id() + ".";
        try (var dirs = Files.list(runs)) {
            for (Path dir : dirs.sorted().toList()) {
                String name = dir.getFileName().toString();
                int lr = name.lastIndexOf("-lr");
                if (!name.startsWith(prefix) || lr < prefix.length()) {
                    continue;
                }
                List<JsonObject> epochs = readEpochs(dir);
                StringBuilder text = new StringBuilder("--lr ").append(name.substring(lr + 3)).append(' ')
                        .append(name, prefix.length(), lr).append(": ").append(epochs.size()).append(" epochs");
                if (!epochs.isEmpty()) {
                    int best = 0;
                    for (int i = 1; i < epochs.size(); i++) {
                        if (epochs.get(i).get("test_acc").getAsDouble() > epochs.get(best).get("test_acc").getAsDouble()) {
                            best = i;
                        }
                    }
                    text.append(String.format(Locale.ROOT, ", final test %.1f, best %.1f (epoch %d)",
                            100 * epochs.get(epochs.size() - 1).get("test_acc").getAsDouble(),
                            100 * epochs.get(best).get("test_acc").getAsDouble(), best + 1));
                }
                attempts.add(text.toString());
            }
        }
        return attempts;
    }

    /** The lines of {@code dir/metrics.jsonl}, one per finished epoch; empty when there is none. */
    private static List<JsonObject> readEpochs(Path dir) throws IOException {
        return RunFolder.readMetrics(dir);
    }

    /** Writes {@code tables.json}. */
    public void writeTables(List<Result> results) throws IOException {
        JsonArray array = new JsonArray();
        for (Result r : results) {
            PaperTables.Row row = r.row();
            JsonObject o = new JsonObject();
            o.addProperty("table", row.table() == PaperTables.FIGURE_1 ? "figure1" : Integer.toString(row.table()));
            o.addProperty("dataset", row.dataset());
            o.addProperty("net", row.net());
            o.addProperty("units", row.units());
            o.addProperty("method", row.method());
            o.addProperty("status", r.status());
            JsonObject last = r.last();
            o.addProperty("epochs", r.epochs().size());
            o.add("train_acc", last == null ? null : last.get("train_acc"));
            o.add("test_acc", last == null ? null : last.get("test_acc"));
            o.add("linear_fraction", last == null ? new JsonArray() : last.get("linear_fraction"));
            o.addProperty("seconds", r.seconds());
            o.addProperty("device", r.config() != null && r.config().has("device") ? r.config().get("device").getAsString() : null);
            o.addProperty("lr", r.learningRate());
            JsonArray diverged = new JsonArray();
            r.divergedAttempts().forEach(diverged::add);
            o.add("diverged_attempts", diverged);
            JsonObject seeds = seeds(row);
            if (seeds != null) {
                o.add("seeds", seeds);
            }
            JsonObject paper = new JsonObject();
            paper.addProperty("epochs", row.epochs());
            paper.addProperty("test_acc", row.paperTest() / 100);
            paper.addProperty("train_acc", row.paperTrain() / 100);
            JsonArray lin = new JsonArray();
            for (double v : row.paperLinear()) {
                lin.add(v / 100);
            }
            paper.add("linear_fraction", lin);
            o.add("paper", paper);
            array.add(o);
        }
        AtomicFiles.writeString(out.resolve("tables.json"), GSON.toJson(array) + "\n");
    }

    /** Writes {@code REPORT.md} with each table side by side; {@code notes} is appended as it is. */
    public void writeReport(List<Result> results, String command, String machine, String notes) throws IOException {
        StringBuilder md = new StringBuilder("# liftnet reproduction of Zach & Estellers, BMVC 2019\n\n");
        md.append("Produced by `").append(command).append("` on ").append(machine).append(".\n");
        md.append("Accuracies in percent, test (train); linear fraction: percent of hidden units strictly inside C, per layer,")
                .append(" on the test set. Δ = liftnet test - paper test.\n\n");
        for (int table : new int[] {1, 2, 3, 4, PaperTables.FIGURE_1}) {
            md.append("## ").append(PaperTables.title(table)).append("\n\n");
            md.append("| model | paper test (train) | liftnet test (train) | Δ test | liftnet test over seeds | paper linear % | liftnet linear % | epochs | train s | --lr | status |\n");
            md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (Result r : results) {
                if (r.row().table() != table) {
                    continue;
                }
                PaperTables.Row row = r.row();
                JsonObject last = r.last();
                String ours = "-";
                String delta = "-";
                String lin = "-";
                if (last != null) {
                    double test = 100 * last.get("test_acc").getAsDouble();
                    double train = 100 * last.get("train_acc").getAsDouble();
                    ours = String.format(Locale.ROOT, "%.1f (%.1f)", test, train);
                    delta = String.format(Locale.ROOT, "%+.1f", test - row.paperTest());
                    lin = percentList(last.getAsJsonArray("linear_fraction"));
                }
                md.append("| ").append(row.label())
                        .append(" | ").append(String.format(Locale.ROOT, "%.1f (%.1f)", row.paperTest(), row.paperTrain()))
                        .append(" | ").append(ours)
                        .append(" | ").append(delta)
                        .append(" | ").append(seedsText(seeds(row)))
                        .append(" | ").append(paperList(row.paperLinear()))
                        .append(" | ").append(lin)
                        .append(" | ").append(r.epochs().size()).append("/").append(row.epochs())
                        .append(" | ").append(String.format(Locale.ROOT, "%.0f", r.seconds()))
                        .append(" | ").append(Double.isNaN(r.learningRate()) ? "-" : java.math.BigDecimal.valueOf(r.learningRate()).stripTrailingZeros().toPlainString())
                        .append(" | ").append(r.status());
                for (String attempt : r.divergedAttempts()) {
                    md.append("; ").append(attempt);
                }
                md.append(" |\n");
            }
            md.append('\n');
        }
        md.append(notes);
        AtomicFiles.writeString(out.resolve("REPORT.md"), md.toString());
    }

    /**
     * The row's seeds ({@code reproduce.sh --seeds N}): from {@code <runs>/../seeds/<id>/sweep.json}, the seeds and the
     * final test and train accuracy over them ({@code n}, {@code mean}, {@code std}, {@code min}, {@code max}); null
     * without that sweep. Its seed-1 run is the row's own run folder, which stays the row's comparable figure.
     */
    private JsonObject seeds(PaperTables.Row row) throws IOException {
        Path json = runs.toAbsolutePath().resolveSibling("seeds").resolve(row.id()).resolve("sweep.json");
        if (!Files.exists(json)) {
            return null;
        }
        JsonArray configurations = JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonArray("configurations");
        if (configurations == null || configurations.size() != 1) {
            return null;
        }
        JsonObject c = configurations.get(0).getAsJsonObject();
        JsonObject o = new JsonObject();
        for (String key : new String[] {"seeds", "test_acc", "train_acc"}) {
            o.add(key, c.get(key));
        }
        return o;
    }

    /** {@code mean ± std (n seeds)} of the test accuracy in percent, or {@code -}. */
    private static String seedsText(JsonObject seeds) {
        if (seeds == null || seeds.getAsJsonObject("test_acc").get("n").getAsInt() == 0) {
            return "-";
        }
        JsonObject test = seeds.getAsJsonObject("test_acc");
        return String.format(Locale.ROOT, "%.2f ± %.2f (%d seeds)", 100 * test.get("mean").getAsDouble(),
                100 * test.get("std").getAsDouble(), test.get("n").getAsInt());
    }

    private static String percentList(JsonArray values) {
        if (values == null || values.isEmpty()) {
            return "-";
        }
        List<String> parts = new ArrayList<>();
        values.forEach(v -> parts.add(String.format(Locale.ROOT, "%.1f", 100 * v.getAsDouble())));
        return String.join(" ", parts);
    }

    private static String paperList(double[] values) {
        if (values.length == 0) {
            return "-";
        }
        List<String> parts = new ArrayList<>();
        for (double v : values) {
            parts.add(String.format(Locale.ROOT, "%.1f", v));
        }
        return String.join(" ", parts);
    }

    /** Test accuracy per epoch, one line per row of each table, as {@code curves-table<N>.png}. */
    public void writeCurves(List<Result> results) throws IOException {
        for (int table : new int[] {1, 2, 3, 4, PaperTables.FIGURE_1}) {
            Map<String, double[][]> series = new LinkedHashMap<>();
            for (Result r : results) {
                if (r.row().table() != table || r.epochs().isEmpty()) {
                    continue;
                }
                double[][] xy = new double[2][r.epochs().size()];
                for (int i = 0; i < r.epochs().size(); i++) {
                    xy[0][i] = r.epochs().get(i).get("epoch").getAsDouble();
                    xy[1][i] = 100 * r.epochs().get(i).get("test_acc").getAsDouble();
                }
                series.put(r.row().label(), xy);
            }
            if (!series.isEmpty()) {
                String name = table == PaperTables.FIGURE_1 ? "curves-figure1.png" : "curves-table" + table + ".png";
                Charts.lineChart(out.resolve(name), PaperTables.title(table) + ": test accuracy per epoch", "epoch",
                        "test accuracy (%)", series);
            }
        }
    }

    /** First-layer filters of each Figure 1 run, as {@code figure1-<method>.png}. */
    public void writeFilters(List<Result> results) throws IOException {
        for (Result r : results) {
            Path model = runs.resolve(r.row().id()).resolve("model.safetensors");
            if (r.row().table() == PaperTables.FIGURE_1 && Files.exists(model)) {
                FilterImage.write(ModelFile.read(model).parameters(), out.resolve("figure1-" + r.row().method() + ".png"));
            }
        }
    }

    /**
     * The Section 4 figure for a trained model: cosine per layer between contrastive gradient /
     * {@code gamma^(L-1)} and back-propagation, against {@code log2(1/gamma)}; writes
     * {@code section4-gradient-cosine.png} and {@code section4.json}.
     */
    public void writeSection4(Path model, Dataset samples) throws IOException {
        ModelFile.Model m = ModelFile.read(model);
        Parameters p = m.parameters();
        Units units = m.config().units();
        double[][] cos = GradientAgreement.cosines(p, units, samples, SECTION4_GAMMAS);
        Map<String, double[][]> series = new LinkedHashMap<>();
        JsonObject json = new JsonObject();
        json.addProperty("model", model.toString());
        json.addProperty("samples", samples.count());
        JsonArray gammas = new JsonArray();
        for (double g : SECTION4_GAMMAS) {
            gammas.add(g);
        }
        json.add("gamma", gammas);
        JsonArray layers = new JsonArray();
        for (int k = 0; k < p.net().layers(); k++) {
            double[][] xy = new double[2][SECTION4_GAMMAS.length];
            JsonArray values = new JsonArray();
            for (int g = 0; g < SECTION4_GAMMAS.length; g++) {
                xy[0][g] = Math.log(1 / SECTION4_GAMMAS[g]) / Math.log(2);
                xy[1][g] = cos[g][k];
                values.add(cos[g][k]);
            }
            series.put("W" + k, xy);
            layers.add(values);
        }
        json.add("cosine_per_layer", layers);
        Charts.lineChart(out.resolve("section4-gradient-cosine.png"),
                "Section 4: contrastive gradient / gamma^(L-1) vs back-propagation (" + p.net() + ")",
                "log2(1/gamma)", "cosine", series);
        AtomicFiles.writeString(out.resolve("section4.json"), GSON.toJson(json) + "\n");
    }
}
