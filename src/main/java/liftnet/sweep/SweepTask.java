package liftnet.sweep;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of a sweep: {@code train}'s options (without {@code --out}), the run folder and its log. Strings only, so
 * that it serializes to any machine; a cluster scheduler trains it in a scratch folder there ({@link #at}) and copies
 * the folder to the sweep's file system ({@link SweepStorage}).
 *
 * @param id     the run's id, the name of its folder under {@code DIR/runs}
 * @param grid   the grid values and the seed that make this run, in the sweep's order (e.g. {@code lr=0.05, seed=1})
 * @param args   {@code train}'s options of the run, without {@code --out}
 * @param dir    the run folder
 * @param log    the file that receives the run's output (appended)
 * @param epochs the run's epochs: with that many lines in {@code metrics.jsonl} it is finished
 */
public record SweepTask(String id, Map<String, String> grid, List<String> args, String dir, String log, int epochs)
        implements Serializable {

    public SweepTask {
        grid = Collections.unmodifiableMap(new LinkedHashMap<>(grid));
        args = List.copyOf(args);
    }

    /** The same run with its folder and log elsewhere (a worker's scratch folder). */
    public SweepTask at(String otherDir, String otherLog) {
        return new SweepTask(id, grid, args, otherDir, otherLog, epochs);
    }

    /**
     * Runs the task: nothing when the run folder already holds all epochs, {@code --resume} when it holds part of
     * the run, else a new run. Output goes to the log.
     *
     * @param device   a {@code --device} for a new run (a GPU the scheduler assigned), or {@code null} to keep the
     *                 run's own; a resumed run keeps the device in its {@code config.json}
     * @param attempt  the scheduler's attempt number, recorded in the outcome
     */
    public TaskOutcome execute(RunLauncher launcher, String device, int attempt) {
        return execute(launcher, device, attempt, RunLauncher.EpochSaved.NONE);
    }

    /**
     * {@link #execute(RunLauncher, String, int)}, calling {@code saved} after every epoch the run folder holds the
     * checkpoint of (a cluster scheduler copies the folder to the sweep's file system there).
     */
    public TaskOutcome execute(RunLauncher launcher, String device, int attempt, RunLauncher.EpochSaved saved) {
        Path folder = Path.of(dir);
        String host = host();
        if (RunFiles.finishedEpochs(folder) >= epochs) {
            return new TaskOutcome(id, TaskOutcome.SKIPPED, 0, attempt, host);
        }
        List<String> trainArgs = new ArrayList<>();
        if (Files.exists(folder.resolve(RunFiles.CONFIG))) {
            trainArgs.add("--resume");
            trainArgs.add(dir);
        } else {
            trainArgs.addAll(args);
            if (device != null) {
                trainArgs.add("--device");
                trainArgs.add(device);
            }
            trainArgs.add("--out");
            trainArgs.add(dir);
        }
        long t0 = System.nanoTime();
        int status;
        try {
            Path logFile = Path.of(log);
            Files.createDirectories(logFile.getParent());
            try (OutputStream file = Files.newOutputStream(logFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                 PrintStream stream = new PrintStream(file, true, StandardCharsets.UTF_8)) {
                stream.println("== " + id + ", attempt " + attempt + " on " + host + ": train " + String.join(" ", trainArgs));
                status = launcher.train(trainArgs, stream, stream, saved);
                stream.println("== exit status " + status);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(log + ": cannot write the run's log", e);
        }
        return new TaskOutcome(id, status, (System.nanoTime() - t0) / 1e9, attempt, host);
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
