package liftnet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import liftnet.cli.Main;
import liftnet.cli.TrainLauncher;
import liftnet.sweep.RunLauncher;
import liftnet.sweep.SweepTask;
import org.junit.jupiter.api.Assumptions;

/** What the Spark module's tests share: a small run on real MNIST, the CLI in-process, a launcher that fails once. */
final class SparkTestRuns {

    static final Path MNIST = Path.of("..", "data", "mnist").toAbsolutePath().normalize();
    /** A small run: 300 MNIST samples, 784-12-10, two epochs on the CPU. */
    static final String[] SMALL = {"--device", "cpu", "--net", "784-12-10", "--limit", "300", "--batch", "20",
            "--sweeps", "6", "--epochs", "2", "--data", MNIST.toString()};

    private SparkTestRuns() {
    }

    /** Skips without MNIST, or on a JDK that Spark 4.0 does not run on. */
    static void assumeMnistAndSparkJdk() {
        Assumptions.assumeTrue(Files.isRegularFile(MNIST.resolve("t10k-labels-idx1-ubyte"))
                || Files.isRegularFile(MNIST.resolve("t10k-labels-idx1-ubyte.gz")), "MNIST not found: run scripts/fetch-data.sh mnist");
        Assumptions.assumeTrue(Runtime.version().feature() <= 21, "Spark 4.0 runs on Java 17 and 21; this is Java "
                + Runtime.version().feature());
    }

    /** Exit status and output of {@link Main#run}. */
    record Result(int code, String out, String err) {
    }

    static Result cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** {@code command}, the small run's options, then {@code extra}. */
    static String[] with(String command, String... extra) {
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(List.of(SMALL));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    /** Trains the small run with {@code seed} on one thread into {@code dir}. */
    static Path trainAlone(Path dir, String seed) {
        Result r = cli(with("train", "--seed", seed, "--threads", "1", "--out", dir.toString()));
        assertEquals(0, r.code(), r::toString);
        return dir;
    }

    /** The small run of {@code seed} on one thread as a sweep task with its folder and log under {@code sweep}. */
    static SweepTask task(Path sweep, String seed) {
        List<String> args = new ArrayList<>(List.of(SMALL));
        args.addAll(List.of("--seed", seed, "--threads", "1"));
        Map<String, String> grid = new LinkedHashMap<>();
        grid.put("seed", seed);
        String id = "seed-" + seed;
        return new SweepTask(id, grid, args, sweep.resolve("runs").resolve(id).toString(),
                sweep.resolve("logs").resolve(id + ".log").toString(), 2);
    }

    /**
     * Trains with the train command, but its first attempt fails the way a lost executor does: right after epoch 1
     * is saved and handed on (copied to the sweep folder), before epoch 2. Later attempts (the marker file exists)
     * train normally.
     */
    static final class FailsAfterFirstEpoch implements RunLauncher {
        private static final long serialVersionUID = 1L;
        private final String marker;

        FailsAfterFirstEpoch(Path marker) {
            this.marker = marker.toString();
        }

        @Override
        public int train(List<String> args, PrintStream out, PrintStream err, EpochSaved saved) {
            RunLauncher real = new TrainLauncher();
            Path mark = Path.of(marker);
            if (Files.exists(mark)) {
                return real.train(args, out, err, saved);
            }
            return real.train(args, out, err, epoch -> {
                saved.saved(epoch);
                if (epoch == 1) {
                    Files.createFile(mark);
                    throw new IOException("simulated executor loss after epoch 1 was copied");
                }
            });
        }
    }
}
