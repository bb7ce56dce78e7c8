package liftnet.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
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
 * </ul>
 *
 * After each epoch the model is written first, then {@code metrics.jsonl}, each replaced atomically
 * ({@link AtomicFiles}). The model file is the commit record: a run killed at any moment (even {@code kill -9})
 * leaves a complete model of the last finished epoch {@code E} and a metrics file with the lines of epochs
 * {@code 1..E} or {@code 1..E-1}; {@link #load} restores the missing line from the model's metadata.
 */
final class RunDirectory {

    static final String CONFIG = "config.json";
    static final String MODEL = "model.safetensors";
    static final String METRICS = "metrics.jsonl";

    private static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().serializeNulls().create();
    private static final Gson LINE = new GsonBuilder().serializeNulls().create();

    private final Path dir;

    RunDirectory(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    Path config() {
        return dir.resolve(CONFIG);
    }

    Path model() {
        return dir.resolve(MODEL);
    }

    Path metrics() {
        return dir.resolve(METRICS);
    }

    /** Whether the folder already holds (part of) a run. */
    boolean holdsRun() {
        return Files.exists(config()) || Files.exists(model()) || Files.exists(metrics());
    }

    void writeConfig(RunSettings settings, Map<String, String> extra) throws IOException {
        JsonObject o = settings.toJson();
        extra.forEach(o::addProperty);
        AtomicFiles.writeString(config(), PRETTY.toJson(o) + "\n");
    }

    /**
     * Reads {@code config.json}.
     *
     * @throws Errors.Failure if it is missing or invalid, saying what {@code --resume} needs
     */
    RunSettings readConfig() throws IOException {
        String text;
        try {
            text = Files.readString(config(), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new Errors.Failure(Errors.FAILURE, "--resume " + dir + ": " + config()
                    + " does not exist; --resume needs the folder of a run started by train (with --out DIR)");
        }
        return RunSettings.fromJson(text, config());
    }

    /**
     * Saves the checkpoint of a finished epoch: the model (with {@code metricsLine} in its metadata), then all
     * metrics lines.
     *
     * @param lines the metrics lines of epochs {@code 1..epoch}, the last one {@code metricsLine}
     */
    void save(NetConfig net, Parameters parameters, Map<String, String> metadata, int epoch, JsonObject metricsLine,
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
    record Checkpoint(ModelFile.Model model, int epoch, List<JsonObject> metrics) {
    }

    /**
     * Loads the checkpoint: the model, its epoch, and the metrics lines of epochs {@code 1..epoch} (lines of later
     * epochs are dropped; a missing last line is restored from the model's metadata and the file rewritten).
     *
     * @return the checkpoint, or {@code null} when no model was saved yet
     */
    Checkpoint load() throws IOException {
        if (!Files.exists(model())) {
            return null;
        }
        ModelFile.Model model = ModelFile.read(model());
        String epochText = model.metadata().get("epoch");
        int epoch;
        try {
            epoch = Integer.parseInt(epochText == null ? "" : epochText.trim());
        } catch (NumberFormatException e) {
            throw new Errors.Failure(Errors.FAILURE, model() + ": metadata 'epoch' is " + epochText
                    + ", not an epoch number; it is not a checkpoint written by train, so the run cannot be resumed");
        }
        List<JsonObject> lines = new ArrayList<>();
        if (Files.exists(metrics())) {
            int number = 0;
            for (String text : Files.readAllLines(metrics(), StandardCharsets.UTF_8)) {
                number++;
                if (text.isBlank()) {
                    continue;
                }
                JsonObject line = parseLine(text, metrics() + " line " + number);
                int lineEpoch = line.has("epoch") ? line.get("epoch").getAsInt() : -1;
                if (lineEpoch == lines.size() + 1 && lineEpoch <= epoch) {
                    lines.add(line);
                }
            }
        }
        if (lines.size() == epoch - 1 && epoch >= 1) {
            String saved = model.metadata().get("metrics");
            if (saved == null) {
                throw new Errors.Failure(Errors.FAILURE, metrics() + ": has no line for epoch " + epoch
                        + " and " + model() + " holds none to restore it; the run cannot be resumed");
            }
            lines.add(parseLine(saved, model() + " metadata 'metrics'"));
        }
        if (lines.size() != epoch) {
            throw new Errors.Failure(Errors.FAILURE, metrics() + ": holds " + lines.size() + " consecutive epochs but "
                    + model() + " is from epoch " + epoch + "; the run cannot be resumed, start a new one");
        }
        writeMetrics(lines);
        return new Checkpoint(model, epoch, lines);
    }

    private static JsonObject parseLine(String text, String where) {
        try {
            JsonElement e = JsonParser.parseString(text);
            if (e.isJsonObject()) {
                return e.getAsJsonObject();
            }
        } catch (JsonParseException e) {
            // reported below
        }
        throw new Errors.Failure(Errors.FAILURE, where + ": not a JSON object; the run cannot be resumed");
    }
}
