package liftnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import liftnet.sweep.RunFiles;
import liftnet.sweep.Stats;
import org.junit.jupiter.api.Test;

/**
 * {@code sweep} on real MNIST (first 300 samples, a small net): each run of a local sweep equals the same run
 * trained alone, the summary agrees with the run folders, a rerun resumes stopped runs and skips finished ones.
 */
class SweepTest extends Cli.MnistRuns {

    private static final String[] SMALL = {"--device", "cpu", "--net", "784-12-10", "--limit", "300", "--batch", "20",
            "--sweeps", "6"};
    private static final double TOL_STATS = 1e-12;

    private static Cli.Result run(String command, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(List.of(SMALL));
        args.addAll(List.of(extra));
        args.addAll(List.of("--out", out.toString()));
        return Cli.run(args.toArray(new String[0]));
    }

    private static JsonObject sweepJson(Path dir) throws IOException {
        return JsonParser.parseString(Files.readString(dir.resolve("sweep.json"))).getAsJsonObject();
    }

    @Test
    void eachRunOfAParallelSweepEqualsTheRunTrainedAlone() throws IOException {
        Path dir = tmp.resolve("sweep");
        Cli.Result r = run("sweep", dir, "--epochs", "2", "--seeds", "1,2", "--grid", "lr=0.05,0.1", "--parallel", "2");
        assertEquals(0, r.code(), r::toString);
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        JsonObject json = sweepJson(dir);
        JsonArray rows = json.getAsJsonArray("runs");
        assertEquals(4, rows.size());
        for (JsonObject row : rows.asList().stream().map(e -> e.getAsJsonObject()).toList()) {
            String seed = row.getAsJsonObject("grid").get("seed").getAsString();
            String lr = row.getAsJsonObject("grid").get("lr").getAsString();
            assertEquals("lr-" + lr + "_seed-" + seed, row.get("id").getAsString());
            assertEquals(threads, row.get("threads").getAsInt());
            Path alone = tmp.resolve("alone-" + row.get("id").getAsString());
            Cli.Result a = run("train", alone, "--epochs", "2", "--seed", seed, "--lr", lr, "--threads", Integer.toString(threads));
            assertEquals(0, a.code(), a::toString);
            Path runDir = dir.resolve("runs").resolve(row.get("id").getAsString());
            List<JsonObject> expected = RunFiles.untimedMetrics(alone);
            assertEquals(expected, RunFiles.untimedMetrics(runDir), row.get("id").getAsString());
            JsonObject last = expected.get(expected.size() - 1);
            assertEquals(last.get("test_acc"), row.get("test_acc"));
            assertEquals(last.get("train_acc"), row.get("train_acc"));
            assertEquals(last.get("linear_fraction"), row.get("linear_fraction"));
        }
        // per configuration: mean, std, min, max of the rows' final test accuracy
        for (JsonObject c : json.getAsJsonArray("configurations").asList().stream().map(e -> e.getAsJsonObject()).toList()) {
            String lr = c.get("configuration").getAsString().replace("lr=", "");
            double[] values = rows.asList().stream().map(e -> e.getAsJsonObject())
                    .filter(row -> row.getAsJsonObject("grid").get("lr").getAsString().equals(lr))
                    .mapToDouble(row -> row.get("test_acc").getAsDouble()).toArray();
            assertEquals(2, values.length);
            JsonObject test = c.getAsJsonObject("test_acc");
            assertEquals((values[0] + values[1]) / 2, test.get("mean").getAsDouble(), TOL_STATS);
            assertEquals(Math.abs(values[0] - values[1]) / Math.sqrt(2), test.get("std").getAsDouble(), TOL_STATS);
            assertEquals(Math.min(values[0], values[1]), test.get("min").getAsDouble(), TOL_STATS);
        }
        String md = Files.readString(dir.resolve("SWEEP.md"));
        assertTrue(md.contains("| lr=0.05 | 2 |") && md.contains("| lr=0.1 | 2 |"), md);
        assertTrue(Files.size(dir.resolve("curves.png")) > 0);
    }

    @Test
    void rerunResumesStoppedRunsAndSkipsFinishedOnes() throws IOException {
        Path dir = tmp.resolve("sweep");
        StopSignal.request(); // as a first Ctrl-C: each run stops after its first epoch
        Cli.Result stopped = run("sweep", dir, "--epochs", "2", "--seeds", "3", "--threads", "1");
        assertEquals(Errors.INTERRUPTED, stopped.code(), "Ctrl-C in a sweep exits 130: " + stopped);
        assertTrue(stopped.error().contains("stopped by Ctrl-C: 1 of 1 runs did not finish"), stopped::toString);
        Path runDir = dir.resolve("runs").resolve("seed-3");
        assertEquals(1, RunFiles.finishedEpochs(runDir));
        assertEquals("unfinished", sweepJson(dir).getAsJsonArray("runs").get(0).getAsJsonObject().get("status").getAsString());

        StopSignal.reset();
        Cli.Result resumed = run("sweep", dir, "--epochs", "2", "--seeds", "3", "--threads", "1");
        assertEquals(0, resumed.code(), resumed::toString);
        Path alone = tmp.resolve("alone");
        Cli.Result a = run("train", alone, "--epochs", "2", "--seed", "3", "--threads", "1");
        assertEquals(0, a.code(), a::toString);
        assertEquals(RunFiles.untimedMetrics(alone), RunFiles.untimedMetrics(runDir));
        assertTrue(Files.readString(dir.resolve("logs/seed-3.log")).contains("train --resume " + runDir), "the rerun resumed");

        Cli.Result again = run("sweep", dir, "--epochs", "2", "--seeds", "3", "--threads", "1");
        assertEquals(0, again.code(), again::toString);
        assertTrue(again.err().contains("run seed-3: already finished (2 epochs"), again::toString);
        JsonObject task = sweepJson(dir).getAsJsonArray("runs").get(0).getAsJsonObject().getAsJsonObject("task");
        assertEquals(-1, task.get("exit_status").getAsInt(), "skipped");
    }

    @Test
    void aRunFolderWithOtherSettingsIsRefused() throws IOException {
        Path dir = tmp.resolve("sweep");
        assertEquals(0, run("sweep", dir, "--epochs", "1", "--threads", "1").code());
        Cli.Result r = run("sweep", dir, "--epochs", "2", "--threads", "1");
        assertEquals(Errors.USAGE, r.code(), r::toString);
        assertTrue(r.error().contains("holds a run with epochs 1, but this sweep asks for 2"), r::toString);
        assertEquals(1, RunFiles.finishedEpochs(dir.resolve("runs/seed-1")), "nothing already saved is lost");
    }

    @Test
    void badSweepOptionsAreOneLineUsageErrors() {
        Path dir = tmp.resolve("sweep");
        Cli.assertUsageError(run("sweep", dir, "--grid", "seed=1,2"), "--grid seed=1,2", "use --seeds");
        Cli.assertUsageError(run("sweep", dir, "--grid", "colour=red"), "'colour' is not a train option");
        Cli.assertUsageError(run("sweep", dir, "--grid", "lr"), "expected KEY=V1,V2");
        Cli.assertUsageError(run("sweep", dir, "--grid", "lr=0.1", "--grid", "lr=0.2"), "given twice");
        Cli.assertUsageError(run("sweep", dir, "--seed", "3"), "use --seeds");
        Cli.assertUsageError(run("sweep", dir, "--seeds", "1,1"), "repeated");
        Cli.assertUsageError(run("sweep", dir, "--grid", "lr=abc"), "run lr-abc_seed-1", "--lr");
        Cli.assertUsageError(run("sweep", dir, "--parallel", "0"), "--parallel 0");
        assertFalse(Files.exists(dir.resolve("runs")), "no run started");
        Cli.Result noSpark = run("sweep", dir, "--spark", "local[2]");
        assertEquals(Errors.FAILURE, noSpark.code(), noSpark::toString);
        Cli.assertMessage(noSpark, "--spark needs liftnet's Spark module");
    }

    @Test
    void statsAreTheSampleMeanAndStandardDeviation() {
        Stats s = Stats.of(new double[] {0.97, 0.98, 0.96, 0.99});
        assertEquals(0.975, s.mean(), TOL_STATS);
        assertEquals(Math.sqrt((0.005 * 0.005 * 2 + 0.015 * 0.015 * 2) / 3), s.std(), TOL_STATS);
        assertEquals(0.96, s.min(), 0);
        assertEquals(0.99, s.max(), 0);
        assertEquals(0, Stats.of(new double[] {0.5}).std(), 0);
        assertEquals(0, Stats.of(new double[0]).n());
    }
}
