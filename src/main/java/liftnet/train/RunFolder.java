package liftnet.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import liftnet.api.NetConfig;
import liftnet.api.Parameters;
import liftnet.io.AtomicFiles;
import liftnet.io.ModelFile;

/**
 * The folder of one training run and its checkpoint protocol.
 *
 * <ul>
 *   <li>{@code config.json}: every setting ({@link RunSettings}), written once before training.</li>
 *   <li>{@code model.safetensors}: the parameters after the last finished epoch ({@link ModelFile}); its metadata
 *       also holds {@code method}, {@code epoch}, {@code seed}, {@code dataset} and {@code metrics}, the epoch's
 *       metrics line. Epoch 0 is the initial model.</li>
 *   <li>{@code metrics.jsonl}: one JSON object per finished epoch.</li>
 *   <li>{@code optimizer-<epoch>.safetensors}: the state of a stateful optimizer ({@link OptimizerCheckpoint}),
 *       written before the model of the same epoch; the previous epoch's is deleted after it.</li>
 * </ul>
 *
 * After each epoch the model is written first, then {@code metrics.jsonl}, each replaced atomically
 * ({@link AtomicFiles}). The model file is the commit record: a run killed at any moment (even {@code kill -9})
 * leaves a complete model of the last finished epoch {@code E} and a metrics file with the lines of epochs
 * {@code 1..E} or {@code 1..E-1}; {@link #load} restores the missing line from the model's metadata.
 * {@link TrainingRun} writes the folder through {@link #checkpoints}.
 */
public final class RunFolder {

    public static final String CONFIG = "config.json";
    public static final String MODEL = "model.safetensors";
    public static final String METRICS = "metrics.jsonl";

    private static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().serializeNulls().create();
    private static final Gson LINE = new GsonBuilder().serializeNulls().create();

    private final Path dir;

    /** The run folder {@code dir}, made absolute: messages and the resume command then work from any folder. */
    public RunFolder(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    public Path dir() {
        return dir;
    }

    public Path config() {
        return dir.resolve(CONFIG);
    }

    public Path model() {
        return dir.resolve(MODEL);
    }

    public Path metrics() {
        return dir.resolve(METRICS);
    }

    /** Whether the folder already holds (part of) a run. */
    public boolean holdsRun() {
        return Files.exists(config()) || Files.exists(model()) || Files.exists(metrics());
    }

    public void writeConfig(RunSettings settings, Map<String, String> extra) throws IOException {
        JsonObject o = settings.toJson();
        extra.forEach(o::addProperty);
        AtomicFiles.writeString(config(), PRETTY.toJson(o) + "\n");
    }

    /**
     * Replaces {@code config.json} with {@code settings}, keeping the keys that are not settings (the engine's name).
     *
     * @throws IOException if it cannot be read or written
     */
    public void rewriteConfig(RunSettings settings) throws IOException {
        JsonObject old = com.google.gson.JsonParser.parseString(Files.readString(config(), StandardCharsets.UTF_8)).getAsJsonObject();
        JsonObject o = settings.toJson();
        old.entrySet().forEach(e -> {
            if (!o.has(e.getKey()) && !e.getKey().equals("cosine_epochs")) {
                o.add(e.getKey(), e.getValue());
            }
        });
        AtomicFiles.writeString(config(), PRETTY.toJson(o) + "\n");
    }

    /**
     * Reads {@code config.json}.
     *
     * @throws RunFolderException if it is missing or invalid, saying what {@code --resume} needs
     */
    public RunSettings readConfig() throws IOException {
        String text;
        try {
            text = Files.readString(config(), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new RunFolderException("--resume " + dir + ": " + config()
                    + " does not exist; --resume needs the folder of a run started by train (with --out DIR)");
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new RunFolderException(config() + ": not UTF-8 text; it must be the config.json written by train");
        }
        return RunSettings.fromJson(text, config());
    }

    /**
     * Saves the checkpoint of a finished epoch: the model (with {@code metricsLine} in its metadata), then all
     * metrics lines.
     *
     * @param lines the metrics lines of epochs {@code 1..epoch}, the last one {@code metricsLine}
     */
    public void save(NetConfig net, Parameters parameters, Map<String, String> metadata, int epoch, JsonObject metricsLine,
              List<JsonObject> lines) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("epoch", Integer.toString(epoch));
        if (metricsLine != null) {
            meta.put("metrics", LINE.toJson(metricsLine));
        }
        ModelFile.write(model(), net, parameters, meta);
        writeMetrics(lines);
    }

    private void writeMetrics(List<JsonObject> lines) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (JsonObject line : lines) {
            sb.append(LINE.toJson(line)).append('\n');
        }
        AtomicFiles.writeString(metrics(), sb.toString());
    }

    /**
     * The last finished epoch of a run.
     *
     * @param model   its model file
     * @param epoch   the epoch it is the result of (0: the initial model)
     * @param metrics the metrics lines of epochs {@code 1..epoch}
     */
    public record Checkpoint(ModelFile.Model model, int epoch, List<JsonObject> metrics) {
    }

    /**
     * Loads the checkpoint: the model, its epoch, and the metrics lines of epochs {@code 1..epoch} (lines of later
     * epochs are dropped; a missing last line is restored from the model's metadata and the file rewritten).
     *
     * @return the checkpoint, or {@code null} when no model was saved yet
     */
    public Checkpoint load() throws IOException {
        if (!Files.exists(model())) {
            return null;
        }
        ModelFile.Model model = ModelFile.read(model());
        String epochText = model.metadata().get("epoch");
        int epoch;
        try {
            epoch = Integer.parseInt(epochText == null ? "" : epochText.trim());
        } catch (NumberFormatException e) {
            throw new RunFolderException(model() + ": metadata 'epoch' is " + epochText
                    + ", not an epoch number; it is not a checkpoint written by train, so the run cannot be resumed");
        }
        List<JsonObject> written;
        try {
            written = readMetrics(dir);
        } catch (MalformedLineException e) {
            throw new RunFolderException(e.getMessage() + "; the run cannot be resumed");
        }
        List<JsonObject> lines = new ArrayList<>();
        for (JsonObject line : written) {
            int lineEpoch = line.has("epoch") ? line.get("epoch").getAsInt() : -1;
            if (lineEpoch == lines.size() + 1 && lineEpoch <= epoch) {
                lines.add(line);
            }
        }
        if (lines.size() == epoch - 1 && epoch >= 1) {
            String saved = model.metadata().get("metrics");
            if (saved == null) {
                throw new RunFolderException(metrics() + ": has no line for epoch " + epoch
                        + " and " + model() + " holds none to restore it; the run cannot be resumed");
            }
            lines.add(parseLine(saved, model() + " metadata 'metrics'"));
        }
        if (lines.size() != epoch) {
            throw new RunFolderException(metrics() + ": holds " + lines.size() + " consecutive epochs but "
                    + model() + " is from epoch " + epoch + "; the run cannot be resumed, start a new one");
        }
        writeMetrics(lines);
        return new Checkpoint(model, epoch, lines);
    }

    /**
     * The listener that saves a checkpoint after every finished epoch ({@link #save}), with {@code metadata}
     * (e.g. {@code method}, {@code seed}, {@code dataset}) in the model file.
     *
     * @param lines the metrics lines of the epochs already saved; lines of other tools (extra keys) are kept as they are
     */
    public TrainingRun.Listener checkpoints(Map<String, String> metadata, List<JsonObject> lines) {
        List<JsonObject> all = new ArrayList<>(lines);
        Map<String, String> meta = Map.copyOf(metadata);
        return new TrainingRun.Listener() {
            @Override
            public void epochFinished(TrainingRun run, EpochResult result) throws IOException {
                JsonObject line = metricsLine(result);
                all.add(line);
                if (run.optimizer() != null) {
                    OptimizerCheckpoint.save(dir, result.epoch(), run.optimizer());
                }
                save(run.config().engineNet(), run.parameters(), meta, result.epoch(), line, all);
                OptimizerCheckpoint.delete(dir, result.epoch() - 1);
            }
        };
    }

    /** The {@code metrics.jsonl} line of an epoch; energies that are NaN (non-lifted methods) become {@code null}. */
    public static JsonObject metricsLine(EpochResult r) {
        JsonObject o = new JsonObject();
        o.addProperty("epoch", r.epoch());
        addNumber(o, "train_acc", r.trainAccuracy());
        o.addProperty("test_acc", r.testAccuracy());
        JsonArray fractions = new JsonArray();
        for (double f : r.linearFraction()) {
            fractions.add(f);
        }
        o.add("linear_fraction", fractions);
        o.addProperty("seconds", r.seconds());
        o.addProperty("samples_per_s", r.samplesPerSecond());
        o.addProperty("mean_sweeps", r.meanSweeps());
        addNumber(o, "free_energy", r.freeEnergy());
        addNumber(o, "clamped_energy", r.clampedEnergy());
        if (Double.isFinite(r.nudgeBound())) {
            o.addProperty("nudge_bound", r.nudgeBound());
        }
        return o;
    }

    /** Reads a line written by {@link #metricsLine}; {@code null} numbers become NaN. */
    public static EpochResult epochResult(JsonObject o) {
        JsonArray fractions = o.has("linear_fraction") && o.get("linear_fraction").isJsonArray()
                ? o.getAsJsonArray("linear_fraction") : new JsonArray();
        double[] linear = new double[fractions.size()];
        for (int i = 0; i < linear.length; i++) {
            linear[i] = fractions.get(i).getAsDouble();
        }
        return new EpochResult(o.get("epoch").getAsInt(), number(o, "train_acc"), number(o, "test_acc"), linear,
                number(o, "seconds"), number(o, "samples_per_s"), number(o, "mean_sweeps"), number(o, "free_energy"),
                number(o, "clamped_energy"), o.has("nudge_bound") ? number(o, "nudge_bound") : Double.NaN);
    }

    /** {@code value}, or JSON {@code null} when it is NaN or infinite (JSON has no NaN). */
    public static void addNumber(JsonObject o, String key, double value) {
        if (Double.isFinite(value)) {
            o.addProperty(key, value);
        } else {
            o.add(key, JsonNull.INSTANCE);
        }
    }

    /** {@code o}'s number {@code key}, or NaN when it is missing or JSON {@code null} (the inverse of {@link #addNumber}). */
    public static double number(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? Double.NaN : e.getAsDouble();
    }

    private static JsonObject parseLine(String text, String where) {
        try {
            return parseObject(text, where);
        } catch (MalformedLineException e) {
            throw new RunFolderException(e.getMessage() + "; the run cannot be resumed");
        }
    }

    /**
     * The metrics lines of the run folder {@code dir} in file order, blank lines skipped; none when it has no
     * {@code metrics.jsonl}. The one reader of that file, for resuming, sweeps and reports.
     *
     * @throws MalformedLineException when a line is not a JSON object (the message names the file and line)
     */
    public static List<JsonObject> readMetrics(Path dir) throws IOException {
        Path file = dir.resolve(METRICS);
        List<JsonObject> lines = new ArrayList<>();
        if (Files.exists(file)) {
            int number = 0;
            for (String text : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                number++;
                if (!text.isBlank()) {
                    lines.add(parseObject(text, file + " line " + number));
                }
            }
        }
        return lines;
    }

    /**
     * {@code text} as a JSON object.
     *
     * @throws MalformedLineException {@code <where>: not a JSON object} when it is not one
     */
    public static JsonObject parseObject(String text, String where) throws MalformedLineException {
        try {
            JsonElement e = JsonParser.parseString(text);
            if (e.isJsonObject()) {
                return e.getAsJsonObject();
            }
        } catch (JsonParseException e) {
            // reported below
        }
        throw new MalformedLineException(where + ": not a JSON object");
    }

    /** A line of a run folder's JSON files that is not a JSON object. */
    public static final class MalformedLineException extends IOException {

        private static final long serialVersionUID = 1L;

        MalformedLineException(String message) {
            super(message);
        }
    }
}
