package liftnet.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import liftnet.api.Engine;
import liftnet.api.Engines;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Solver;
import liftnet.api.Units;
import liftnet.data.DataSets;
import liftnet.data.DatasetId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TrainingRun} in a run folder, as the CLI and a sweep use it: listeners hear saved epochs, a stopped run
 * resumes where it stopped and ends with the metrics of an uninterrupted one. Real MNIST, first 400 samples.
 */
class TrainingRunTest {

    private static final Function<NetConfig, Engine> CPU = net -> Engines.open("cpu", net, 2);

    @TempDir
    Path tmp;

    @BeforeEach
    void mnist() {
        liftnet.TestData.mnist();
    }

    private static RunSettings settings(int epochs) {
        return new RunSettings(DatasetId.MNIST, DataSets.defaultDir(DatasetId.MNIST).toAbsolutePath(),
                NetSpec.parse("784-12-10"), Units.RELU, 0.125, Method.CONTRASTIVE, epochs, 20, 0.05, 6, null,
                Solver.JACOBI, 0, 1, 3, 400, 2, "cpu");
    }

    @Test
    void listenersHearSavedEpochsAndAStoppedRunResumesExactly() throws IOException {
        RunFolder whole = new RunFolder(tmp.resolve("whole"));
        List<EpochResult> uninterrupted;
        try (TrainingRun run = TrainingRun.start(whole, settings(3), CPU)) {
            uninterrupted = run.runToEnd(() -> false);
        }

        RunFolder parts = new RunFolder(tmp.resolve("parts"));
        List<String> heard = new ArrayList<>();
        try (TrainingRun run = TrainingRun.start(parts, settings(3), CPU)) {
            run.addListener(new TrainingRun.Listener() {
                @Override
                public TrainingRun.Progress epochStarted(int epoch, int epochs, int samples) {
                    heard.add("start " + epoch + "/" + epochs + " of " + samples);
                    return done -> assertTrue(done > 0 && done <= samples);
                }

                @Override
                public void epochFinished(TrainingRun r, EpochResult result) throws IOException {
                    long saved = Files.readAllLines(parts.metrics()).size();
                    heard.add("finished " + result.epoch() + ", " + saved + " saved");
                }
            });
            List<EpochResult> first = run.runToEnd(() -> true);
            assertEquals(1, first.size());
            assertTrue(!run.finished() && run.epochsDone() == 1);
        }
        assertEquals(List.of("start 1/3 of 400", "finished 1, 1 saved"), heard);
        assertThrows(RunFolderException.class, () -> TrainingRun.start(parts, settings(3), CPU), "a folder that holds a run");

        try (TrainingRun run = TrainingRun.resume(parts, parts.readConfig(), CPU)) {
            assertEquals(1, run.epochsDone());
            run.runToEnd(() -> false);
            List<EpochResult> all = run.history();
            assertEquals(3, all.size());
            for (int i = 0; i < 3; i++) {
                EpochResult a = uninterrupted.get(i);
                EpochResult b = all.get(i);
                assertEquals(a.epoch(), b.epoch());
                assertEquals(a.trainAccuracy(), b.trainAccuracy(), 1e-12, "epoch " + a.epoch());
                assertEquals(a.testAccuracy(), b.testAccuracy(), 1e-12, "epoch " + a.epoch());
                assertEquals(a.freeEnergy(), b.freeEnergy(), 1e-9 * Math.abs(a.freeEnergy()), "epoch " + a.epoch());
                assertArrayEquals(a.linearFraction(), b.linearFraction(), 1e-12, "epoch " + a.epoch());
            }
            assertThrows(IllegalStateException.class, run::nextEpoch, "a finished run");
        }
        assertEquals(3, Files.readAllLines(parts.metrics()).size());
    }

    @Test
    void trainEvalMeasuresTheTrainingAccuracyEveryNthEpochAndTheLastWithoutChangingTraining() throws IOException {
        RunFolder every = new RunFolder(tmp.resolve("every"));
        List<EpochResult> reference;
        try (TrainingRun run = TrainingRun.start(every, settings(3), CPU)) {
            reference = run.runToEnd(() -> false);
        }
        JsonObject json = settings(3).toJson();
        assertEquals(RunSettings.TRAIN_EVAL_EVERY_EPOCH, json.get("train_eval").getAsInt());
        json.remove("train_eval");
        assertEquals(settings(3), RunSettings.fromJson(json.toString(), tmp.resolve("old.json")),
                "a config.json from before --train-eval measures every epoch");
        json.addProperty("train_eval", 2);
        RunSettings second = RunSettings.fromJson(json.toString(), tmp.resolve("config.json"));
        assertEquals(2, second.trainEval());

        RunFolder sparse = new RunFolder(tmp.resolve("sparse"));
        try (TrainingRun run = TrainingRun.start(sparse, second, CPU)) {
            run.runToEnd(() -> false);
        }
        assertEquals(2, sparse.readConfig().trainEval(), "config.json keeps --train-eval for --resume");
        List<String> lines = Files.readAllLines(sparse.metrics());
        assertEquals(3, lines.size());
        for (int i = 0; i < 3; i++) {
            EpochResult r = RunFolder.epochResult(JsonParser.parseString(lines.get(i)).getAsJsonObject());
            EpochResult a = reference.get(i);
            assertEquals(a.testAccuracy(), r.testAccuracy(), 1e-12, "epoch " + r.epoch() + " trains the same");
            if (r.epoch() == 1) {
                assertTrue(Double.isNaN(r.trainAccuracy()), "epoch 1 of 3 at --train-eval 2 skips it: " + lines.get(i));
            } else {
                assertEquals(a.trainAccuracy(), r.trainAccuracy(), 1e-12, "epoch " + r.epoch() + " measures it");
            }
        }
    }
}
