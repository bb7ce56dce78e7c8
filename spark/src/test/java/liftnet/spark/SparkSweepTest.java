package liftnet.spark;

import static liftnet.spark.SparkTestRuns.cli;
import static liftnet.spark.SparkTestRuns.task;
import static liftnet.spark.SparkTestRuns.trainAlone;
import static liftnet.spark.SparkTestRuns.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import liftnet.cli.TrainLauncher;
import liftnet.spark.SparkTestRuns.FailsAfterFirstEpoch;
import liftnet.spark.SparkTestRuns.Result;
import liftnet.sweep.RunFiles;
import liftnet.sweep.SweepStorage;
import liftnet.sweep.SweepTask;
import liftnet.sweep.TaskOutcome;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sweeps as Spark tasks in local mode on real MNIST (first 300 samples, a small net): a run trained as a Spark task
 * equals the same run trained alone with the same settings and threads (all metrics but the timings); a task that
 * fails is retried and resumes its run from the last epoch copied to the sweep folder, also on another worker whose
 * scratch folder holds nothing of the run and who never sees the driver's folder.
 */
class SparkSweepTest {

    @TempDir
    Path tmp;

    @BeforeEach
    void assumptions() {
        SparkTestRuns.assumeMnistAndSparkJdk();
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
            List<JsonObject> expected = RunFiles.untimedMetrics(trainAlone(tmp.resolve("alone-" + seed), seed));
            assertEquals(expected, RunFiles.untimedMetrics(dir.resolve("runs").resolve("seed-" + seed)), "seed " + seed);
            assertEquals(expected.get(1).get("test_acc"), row.get("test_acc"));
        }
    }

    @Test
    void aFailedTaskIsRetriedAndResumesFromItsLastCopiedEpoch() throws IOException {
        Path dir = tmp.resolve("sweep");
        SweepTask task = task(dir, "5");
        List<TaskOutcome> outcomes;
        try (SparkScheduler spark = new SparkScheduler("local[1]");
             PrintStream progress = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)) {
            outcomes = spark.run(List.of(task), new FailsAfterFirstEpoch(tmp.resolve("failed-once")), SweepStorage.local(dir.toString()),
                    progress);
        }
        assertEquals(1, outcomes.size());
        assertEquals(0, outcomes.get(0).status());
        assertEquals(1, outcomes.get(0).attempt(), "the second attempt finished the run");
        String log = Files.readString(dir.resolve("logs/seed-5.log"));
        assertTrue(log.contains("attempt 0 on") && log.contains("attempt 1 on") && log.contains("train --resume "), log);
        assertTrue(log.contains("at epoch 2"), "the retry resumes at epoch 2: " + log);
        assertEquals(RunFiles.untimedMetrics(trainAlone(tmp.resolve("alone"), "5")), RunFiles.untimedMetrics(dir.resolve("runs/seed-5")));
    }

    /** The files in a folder, by name. */
    private static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    @Test
    void aRetryOnAnotherWorkerRestoresTheRunFromTheSweepFolder() throws IOException {
        Path store = tmp.resolve("store");
        Path driver = tmp.resolve("driver");
        SweepTask task = task(driver, "5");
        HadoopFolder folder = new HadoopFolder(store.toUri().toString(), Map.of());
        Path workerA = tmp.resolve("worker-a");
        Path workerB = tmp.resolve("worker-b");

        FailsAfterFirstEpoch failsOnce = new FailsAfterFirstEpoch(tmp.resolve("failed-once"));
        assertThrows(IllegalStateException.class, () -> SparkScheduler.runTask(task, failsOnce, folder, workerA, 0, null));
        Path run = store.resolve("runs/seed-5");
        assertEquals(1, RunFiles.finishedEpochs(run), "epoch 1 was copied before the worker was lost");
        assertEquals(Set.of(RunFiles.CONFIG, "model.safetensors", RunFiles.METRICS), names(run), "no partial or checksum files");
        assertFalse(Files.exists(workerA.resolve(task.id())), "worker A's scratch folder is removed");

        TaskOutcome outcome = SparkScheduler.runTask(task, failsOnce, folder, workerB, 1, null);
        assertEquals(0, outcome.status());
        assertEquals(1, outcome.attempt());
        String log = Files.readString(store.resolve("logs/seed-5.log"));
        assertTrue(log.contains("attempt 0 on") && log.contains("train --resume " + workerB.resolve("seed-5").resolve("run")), log);
        assertTrue(log.contains("at epoch 2"), "resumed at epoch 2: " + log);
        assertFalse(Files.exists(driver), "no worker writes into the driver's folder");
        assertEquals(RunFiles.untimedMetrics(trainAlone(tmp.resolve("alone"), "5")), RunFiles.untimedMetrics(run));

        TaskOutcome again = SparkScheduler.runTask(task, new TrainLauncher(), folder, tmp.resolve("worker-c"), 0, null);
        assertEquals(TaskOutcome.SKIPPED, again.status(), "a finished run restored from the sweep folder is not trained again");
    }

    @Test
    void mastersAndTheirDefaults() {
        assertEquals("local[2,4]", SparkScheduler.withRetries("local[2]"));
        assertEquals("local[*,4]", SparkScheduler.withRetries("local[*]"));
        assertEquals("local[1,4]", SparkScheduler.withRetries("local"));
        assertEquals("local[2,3]", SparkScheduler.withRetries("local[2,3]"));
        assertEquals("spark://head:7077", SparkScheduler.withRetries("spark://head:7077"));
        assertTrue(SparkScheduler.onLoopback("spark://127.0.0.1:7077"));
        assertTrue(SparkScheduler.onLoopback("spark://localhost:41234"));
        assertFalse(SparkScheduler.onLoopback("spark://head:7077"));
        assertFalse(SparkScheduler.onLoopback("spark://127.0.0.1:7077,head:7077"));
        assertThrows(liftnet.sweep.SchedulerException.class, () -> new SparkScheduler("submit"));
    }

    @Test
    void aFileSystemOtherThanLocalNeedsSpark() {
        Result r = cli(with("sweep", "--seeds", "1", "--out", "hdfs://namenode:8020/sweeps/x"));
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().contains("needs --spark"), r.err());
    }
}
