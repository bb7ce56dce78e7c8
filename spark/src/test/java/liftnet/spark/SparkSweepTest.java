package liftnet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import liftnet.cli.Main;
import liftnet.cli.TrainLauncher;
import liftnet.sweep.RunFiles;
import liftnet.sweep.RunLauncher;
import liftnet.sweep.SweepTask;
import liftnet.sweep.TaskOutcome;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Assumptions;

/**
 * Sweeps as Spark tasks in local mode on real MNIST (first 300 samples, a small net): a run trained as a Spark task
 * equals the same run trained alone with the same settings and threads (all metrics but the timings), and a task
 * that fails is retried by Spark and resumes its run from the last finished epoch.
 */
class SparkSweepTest {

    private static final Path MNIST = Path.of("..", "data", "mnist").toAbsolutePath().normalize();
    private static final String[] SMALL = {"--device", "cpu", "--net", "784-12-10", "--limit", "300", "--batch", "20",
            "--sweeps", "6", "--epochs", "2", "--data", MNIST.toString()};

    @TempDir
    Path tmp;

    @BeforeEach
    void assumptions() {
        Assumptions.assumeTrue(Files.isRegularFile(MNIST.resolve("t10k-labels-idx1-ubyte"))
                || Files.isRegularFile(MNIST.resolve("t10k-labels-idx1-ubyte.gz")), "MNIST not found: run scripts/fetch-data.sh mnist");
        Assumptions.assumeTrue(Runtime.version().feature() <= 21, "Spark 4.0 runs on Java 17 and 21; this is Java "
                + Runtime.version().feature());
    }

    /** Exit status and output of {@link Main#run}. */
    private record Result(int code, String out, String err) {
    }

    private static Result cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String[] with(String command, String... extra) {
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(List.of(SMALL));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    private Path trainAlone(String name, String seed) {
        Path alone = tmp.resolve(name);
        Result r = cli(with("train", "--seed", seed, "--threads", "1", "--out", alone.toString()));
        assertEquals(0, r.code(), r::toString);
        return alone;
    }

    @Test
    void aRunTrainedAsASparkTaskEqualsTheRunTrainedAlone() throws IOException {
        Path dir = tmp.resolve("sweep");
        Result r = cli(with("sweep", "--spark", "local[2]", "--seeds", "1,2", "--out", dir.toString()));
        assertEquals(0, r.code(), r::toString);
        JsonObject json = JsonParser.parseString(Files.readString(dir.resolve("sweep.json"))).getAsJsonObject();
        assertTrue(json.get("scheduler").getAsString().startsWith("spark local[2,4]"), json.get("scheduler").getAsString());
        JsonArray rows = json.getAsJsonArray("runs");
        assertEquals(2, rows.size());
        for (int i = 0; i < 2; i++) {
            JsonObject row = rows.get(i).getAsJsonObject();
            String seed = Integer.toString(i + 1);
            assertEquals("seed-" + seed, row.get("id").getAsString());
            assertEquals(1, row.get("threads").getAsInt(), "spark.task.cpus threads per task");
            assertEquals(0, row.getAsJsonObject("task").get("exit_status").getAsInt());
            List<JsonObject> expected = RunFiles.untimedMetrics(trainAlone("alone-" + seed, seed));
            assertEquals(expected, RunFiles.untimedMetrics(dir.resolve("runs").resolve("seed-" + seed)), "seed " + seed);
            assertEquals(expected.get(1).get("test_acc"), row.get("test_acc"));
        }
    }

    /**
     * Fails its first attempt the way a lost executor does: after the run's first epoch is saved (trained as a run of
     * one epoch, then its config set back to the run's epochs), before the second.
     */
    private static final class FailsFirstAttempt implements RunLauncher {
        private static final long serialVersionUID = 1L;
        private final String marker;

        FailsFirstAttempt(Path marker) {
            this.marker = marker.toString();
        }

        @Override
        public int train(List<String> args, PrintStream out, PrintStream err) {
            RunLauncher real = new TrainLauncher();
            Path mark = Path.of(marker);
            if (Files.exists(mark)) {
                return real.train(args, out, err);
            }
            try {
                Files.createFile(mark);
                List<String> oneEpoch = new ArrayList<>(args);
                oneEpoch.set(oneEpoch.indexOf("--epochs") + 1, "1");
                int status = real.train(oneEpoch, out, err);
                Path config = Path.of(args.get(args.indexOf("--out") + 1), RunFiles.CONFIG);
                Files.writeString(config, Files.readString(config).replace("\"epochs\": 1,", "\"epochs\": 2,"));
                throw new IllegalStateException("simulated executor loss after epoch 1 (train exit status " + status + ")");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void aFailedTaskIsRetriedAndResumesFromItsCheckpoint() throws IOException {
        Path dir = tmp.resolve("sweep");
        Path runDir = dir.resolve("runs").resolve("seed-5");
        List<String> args = new ArrayList<>(List.of(SMALL));
        args.addAll(List.of("--seed", "5", "--threads", "1"));
        Map<String, String> grid = new LinkedHashMap<>();
        grid.put("seed", "5");
        SweepTask task = new SweepTask("seed-5", grid, args, runDir.toString(), dir.resolve("logs/seed-5.log").toString(), 2);
        List<TaskOutcome> outcomes;
        try (SparkScheduler spark = new SparkScheduler("local[1]");
             PrintStream progress = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)) {
            outcomes = spark.run(List.of(task), new FailsFirstAttempt(tmp.resolve("failed-once")), progress);
        }
        assertEquals(1, outcomes.size());
        assertEquals(0, outcomes.get(0).status());
        assertEquals(1, outcomes.get(0).attempt(), "the second attempt finished the run");
        String log = Files.readString(dir.resolve("logs/seed-5.log"));
        assertTrue(log.contains("attempt 1 on") && log.contains("train --resume " + runDir), log);
        assertEquals(RunFiles.untimedMetrics(trainAlone("alone", "5")), RunFiles.untimedMetrics(runDir));
    }

    @Test
    void localMastersRetryFailedTasks() {
        assertEquals("local[2,4]", SparkScheduler.withRetries("local[2]"));
        assertEquals("local[*,4]", SparkScheduler.withRetries("local[*]"));
        assertEquals("local[1,4]", SparkScheduler.withRetries("local"));
        assertEquals("local[2,3]", SparkScheduler.withRetries("local[2,3]"));
        assertEquals("spark://head:7077", SparkScheduler.withRetries("spark://head:7077"));
        assertThrows(IllegalArgumentException.class, () -> new SparkScheduler("submit"));
    }
}
