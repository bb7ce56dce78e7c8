package liftnet.sweep;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import liftnet.train.RunFolder;

/**
 * Reads what a sweep needs from a run folder written by {@code train} ({@link RunFolder}), without changing it: its
 * settings and its metrics lines.
 */
public final class RunFiles {

    /** The run's settings. */
    public static final String CONFIG = RunFolder.CONFIG;
    /** One JSON object per finished epoch. */
    public static final String METRICS = RunFolder.METRICS;
    /** The keys of a metrics line that measure time, not the run's result. */
    public static final List<String> TIMINGS = List.of("seconds", "samples_per_s");

    private RunFiles() {
    }

    /** The number of finished epochs: the non-blank lines of {@code metrics.jsonl} (0 when there is none). */
    public static int finishedEpochs(Path dir) {
        Path metrics = dir.resolve(METRICS);
        if (!Files.exists(metrics)) {
            return 0;
        }
        try {
            return (int) Files.readAllLines(metrics, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).count();
        } catch (IOException e) {
            return 0;
        }
    }

    /** {@code config.json}, or {@code null} when the folder has none. */
    public static JsonObject config(Path dir) throws IOException {
        Path config = dir.resolve(CONFIG);
        if (!Files.exists(config)) {
            return null;
        }
        return RunFolder.parseObject(Files.readString(config, StandardCharsets.UTF_8), config.toString());
    }

    /** The metrics lines, in file order (empty when there are none). */
    public static List<JsonObject> metrics(Path dir) throws IOException {
        return RunFolder.readMetrics(dir);
    }

    /**
     * The metrics lines without their timings ({@code seconds}, {@code samples_per_s}): what a run must reproduce
     * wherever it ran (alone, in a local sweep, as a Spark task, resumed), given the same settings and threads.
     */
    public static List<JsonObject> untimedMetrics(Path dir) throws IOException {
        List<JsonObject> lines = metrics(dir);
        for (JsonObject line : lines) {
            for (String key : TIMINGS) {
                line.remove(key);
            }
        }
        return lines;
    }
}
