package liftnet.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static liftnet.cli.Cli.assertUsageError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import liftnet.api.Parameters;
import liftnet.io.ModelFile;
import liftnet.train.RunFolder;
import liftnet.train.TrainConfig;
import org.junit.jupiter.api.Test;

/**
 * Training runs on real MNIST (the first 600 samples, a small net, the CPU engine with 2 threads): the run
 * folder's files, and resume after an interruption giving exactly the metrics of an uninterrupted run.
 */
class TrainRunTest extends Cli.MnistRuns {

    private static final String[] SMALL = {"--device", "cpu", "--threads", "2", "--net", "784-16-12-10", "--limit", "600",
            "--batch", "10", "--seed", "7", "--sweeps", "8"};

    private static Cli.Result train(Path out, int epochs, String... extra) {
        return Cli.train(SMALL, out, epochs, extra);
    }

    /** The metrics that must not depend on interruptions: everything except timings. */
    private static void assertSameResults(List<JsonObject> expected, List<JsonObject> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            for (String key : List.of("epoch", "train_acc", "test_acc", "linear_fraction", "mean_sweeps", "free_energy",
                    "clamped_energy")) {
                assertEquals(expected.get(i).get(key), actual.get(i).get(key), "epoch " + (i + 1) + " " + key);
            }
        }
    }

    @Test
    void runFolderHoldsConfigModelAndOneMetricsLinePerEpoch() throws IOException {
        Path run = tmp.resolve("run");
        Cli.Result r = train(run, 2);
        assertEquals(0, r.code(), r::toString);
        List<JsonObject> lines = Cli.metrics(run);
        assertEquals(2, lines.size());
        for (int e = 0; e < 2; e++) {
            JsonObject line = lines.get(e);
            assertEquals(e + 1, line.get("epoch").getAsInt());
            for (String key : List.of("train_acc", "test_acc")) {
                double acc = line.get(key).getAsDouble();
                assertTrue(acc >= 0 && acc <= 1, key + " " + acc);
            }
            assertTrue(line.get("test_acc").getAsDouble() > 0.3, "a net trained on 600 samples beats chance (0.1): " + line);
            assertEquals(2, line.get("linear_fraction").getAsJsonArray().size());
            assertTrue(line.get("seconds").getAsDouble() > 0);
            assertTrue(line.get("samples_per_s").getAsDouble() > 0);
            assertEquals(8.0, line.get("mean_sweeps").getAsDouble());
            assertTrue(line.get("clamped_energy").getAsDouble() >= line.get("free_energy").getAsDouble());
        }
        ModelFile.Model model = ModelFile.read(run.resolve("model.safetensors"));
        assertEquals("784-16-12-10", model.config().net().toString());
        assertEquals("contrastive", model.metadata().get("method"));
        assertEquals("2", model.metadata().get("epoch"));
        assertEquals("7", model.metadata().get("seed"));
        JsonObject config = JsonParser.parseString(Files.readString(run.resolve("config.json"))).getAsJsonObject();
        assertEquals(2, config.get("threads").getAsInt());
        assertEquals(0.05, config.get("lr").getAsDouble());
        assertEquals(600, config.get("limit").getAsInt());
        // stdout: one summary per epoch and a final one; stderr: progress, no error
        assertEquals(3, r.out().lines().count(), r::toString);
        assertTrue(r.out().lines().findFirst().orElseThrow().startsWith("epoch 1/2"), r::toString);
        assertTrue(r.out().contains("done: 2 epochs"), r::toString);
        assertTrue(r.err().contains("samples"), "progress bar on stderr: " + r.err());
        assertFalse(r.err().contains("error"), r::toString);
    }

    @Test
    void resumeAfterAnInterruptionGivesTheMetricsOfAnUninterruptedRun() throws IOException {
        Path whole = tmp.resolve("whole");
        assertEquals(0, train(whole, 2).code());

        Path parts = tmp.resolve("parts");
        // as a first Ctrl-C: stop when epoch 1 is finished and saved
        Cli.Result stopped = Cli.interrupted(() -> train(parts, 2));
        assertEquals(Errors.INTERRUPTED, stopped.code(), stopped::toString);
        assertTrue(stopped.err().contains("--resume " + parts), stopped::toString);
        assertEquals(1, Cli.metrics(parts).size());
        assertEquals("1", ModelFile.read(parts.resolve("model.safetensors")).metadata().get("epoch"));

        Cli.Result resumed = Cli.run("--resume", parts.toString(), "--lr", "1");
        assertEquals(0, resumed.code(), resumed::toString);
        assertTrue(resumed.err().contains("ignoring --lr"), resumed::toString);
        assertSameResults(Cli.metrics(whole), Cli.metrics(parts));
        assertSameParameters(whole, parts);

        Cli.Result again = Cli.run("--resume", parts.toString());
        assertEquals(0, again.code(), again::toString);
        assertTrue(again.err().contains("nothing to do"), again::toString);
    }

    @Test
    void aResumeMismatchNamesTheNetsAsTheOptionsDo() throws IOException {
        Path run = tmp.resolve("run");
        assertEquals(0, train(run, 1, "--limit", "50").code());
        Path config = run.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"relu\"", "\"linear\""));
        Cli.Result r = Cli.run("--resume", run.toString());
        assertEquals(Errors.FAILURE, r.code(), r::toString);
        Cli.assertMessage(r, "holds the net 784-16-12-10 (relu units, gamma 0.125, hard clamp) but", "asks for 784-16-12-10"
                + " (linear units, gamma 0.125, hard clamp); the run folder is inconsistent");
        assertFalse(r.err().contains("NetConfig["), r::toString);
    }

    /**
     * {@code --resume DIR --epochs N} extends a finished run: with a constant rate, to exactly the run trained for N epochs
     * at once; with a cosine schedule, whose rate has fallen to its floor, staying at the floor over the added epochs.
     */
    @Test
    void resumeWithMoreEpochsExtendsAFinishedRun() throws IOException {
        Path whole = tmp.resolve("whole");
        assertEquals(0, train(whole, 3).code());
        Path extended = tmp.resolve("extended");
        assertEquals(0, train(extended, 2).code());
        Cli.Result more = Cli.run("--resume", extended.toString(), "--epochs", "3");
        assertEquals(0, more.code(), more::toString);
        assertTrue(more.err().contains("note: extending " + extended + " from 2 epochs to 3; over epoch 3 the learning"
                + " rate stays at --lr 0.05"), more::toString);
        assertSameResults(Cli.metrics(whole), Cli.metrics(extended));
        assertSameParameters(whole, extended);
        assertUsageError(Cli.run("--resume", extended.toString(), "--epochs", "2"), "--epochs 2: the run has 3 epochs",
                "give more than 3");

        Path cosine = tmp.resolve("cosine");
        assertEquals(0, train(cosine, 2, "--schedule", "cosine", "--cosine-floor", "0.25", "--limit", "50").code());
        Cli.Result longer = Cli.run("--resume", cosine.toString(), "--epochs", "4");
        assertEquals(0, longer.code(), longer::toString);
        assertTrue(longer.err().contains("over epochs 3-4 the cosine schedule stays at its final rate, 0.25 x --lr 0.05"),
                longer::toString);
        assertEquals(4, Cli.metrics(cosine).size());
        TrainConfig config = new RunFolder(cosine).readConfig().trainConfig();
        assertEquals(4, config.epochs());
        double[] first = config.ratesForEpoch(1);
        for (int epoch = 3; epoch <= 4; epoch++) {
            double[] rates = config.ratesForEpoch(epoch);
            for (int k = 0; k < rates.length; k++) {
                assertEquals(0.25 * first[k], rates[k], 1e-12 * first[k], "epoch " + epoch + " layer " + k + " at the floor");
            }
        }
    }

    /**
     * A run whose recorded data folder is gone resumes from the project's data/mnist (checked by SHA-256, so the same
     * bytes), or from {@code --data DIR}, the one option {@code --resume} honours, and still gives the metrics of an
     * uninterrupted run.
     */
    @Test
    void resumeAfterTheDataFolderMovedGivesTheMetricsOfAnUninterruptedRun() throws IOException {
        Path whole = tmp.resolve("whole");
        assertEquals(0, train(whole, 3).code());

        Path recorded = Files.createSymbolicLink(tmp.resolve("recorded-data"), Cli.MNIST.toAbsolutePath());
        Path parts = tmp.resolve("parts");
        assertEquals(Errors.INTERRUPTED, Cli.interrupted(() -> train(parts, 3, "--data", recorded.toString())).code());
        Files.delete(recorded);

        Cli.Result fallback = Cli.interrupted(() -> Cli.run("--resume", parts.toString()));
        assertEquals(Errors.INTERRUPTED, fallback.code(), fallback::toString);
        assertTrue(fallback.err().contains("note: reading mnist from " + Cli.MNIST.toAbsolutePath() + " instead of the"
                + " recorded " + recorded + " (not found)"), fallback::toString);
        assertEquals(2, Cli.metrics(parts).size());

        Path moved = Files.createSymbolicLink(tmp.resolve("moved-data"), Cli.MNIST.toAbsolutePath());
        Cli.Result given = Cli.run("--resume", parts.toString(), "--data", moved.toString());
        assertEquals(0, given.code(), given::toString);
        assertTrue(given.err().contains("from " + moved + " instead of the recorded " + recorded + " (--data)"),
                given::toString);
        assertFalse(given.err().contains("ignoring"), given::toString);
        assertSameResults(Cli.metrics(whole), Cli.metrics(parts));
        assertSameParameters(whole, parts);
    }

    @Test
    void killedBetweenModelAndMetricsStillResumesExactly() throws IOException {
        Path whole = tmp.resolve("whole");
        assertEquals(0, train(whole, 2).code());

        Path parts = tmp.resolve("parts");
        assertEquals(Errors.INTERRUPTED, Cli.interrupted(() -> train(parts, 2)).code());
        // As if killed after the model of epoch 1 was written but before metrics.jsonl was: its line is missing.
        Files.writeString(parts.resolve("metrics.jsonl"), "");
        Cli.Result resumed = Cli.run("--resume", parts.toString());
        assertEquals(0, resumed.code(), resumed::toString);
        assertSameResults(Cli.metrics(whole), Cli.metrics(parts));
    }

    /** Stateful optimizers and schedules: the state is checkpointed with each epoch, so a resumed run is exact. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
        "--method lifted --optimizer adam --lr 0.001 --schedule cosine --cosine-floor 0.1",
        "--method contrastive --optimizer momentum --momentum 0.5 --lr 0.01 --schedule step --step-epochs 1 --step-factor 0.5",
        "--method contrastive --clamped-start forward --init-scale 0.5"})
    void resumeWithTheNewOptionsGivesTheMetricsOfAnUninterruptedRun(String options) throws IOException {
        String[] extra = options.split(" ");
        Path whole = tmp.resolve("whole");
        Cli.Result w = train(whole, 3, extra);
        assertEquals(0, w.code(), w::toString);

        Path parts = tmp.resolve("parts");
        assertEquals(Errors.INTERRUPTED, Cli.interrupted(() -> train(parts, 3, extra)).code());
        boolean stateful = options.contains("--optimizer");
        assertEquals(stateful, Files.exists(parts.resolve("optimizer-1.safetensors")), options);
        Cli.Result resumed = Cli.run("--resume", parts.toString());
        assertEquals(0, resumed.code(), resumed::toString);
        assertSameResults(Cli.metrics(whole), Cli.metrics(parts));
        assertSameParameters(whole, parts);
        // only the state matching the last model is kept
        assertFalse(Files.exists(parts.resolve("optimizer-1.safetensors")), options);
        assertEquals(stateful, Files.exists(parts.resolve("optimizer-3.safetensors")), options);

        JsonObject config = JsonParser.parseString(Files.readString(parts.resolve("config.json"))).getAsJsonObject();
        if (stateful) {
            assertEquals(extra[3], config.get("optimizer").getAsString(), options);
        } else {
            assertEquals("forward", config.get("clamped_start").getAsString(), options);
            assertEquals(0.5, config.get("init_scale").getAsDouble(), options);
        }
    }

    @Test
    void resumeWithoutTheOptimizerStateIsRefusedInOneLine() throws IOException {
        Path parts = tmp.resolve("parts");
        assertEquals(Errors.INTERRUPTED, Cli.interrupted(() -> train(parts, 2, "--optimizer", "momentum", "--lr", "0.01")).code());
        Files.delete(parts.resolve("optimizer-1.safetensors"));
        Cli.Result resumed = Cli.run("--resume", parts.toString());
        assertEquals(Errors.FAILURE, resumed.code(), resumed::toString);
        assertTrue(resumed.error().contains("optimizer-1.safetensors"), resumed::toString);
        assertEquals("1", ModelFile.read(parts.resolve("model.safetensors")).metadata().get("epoch"));
    }

    @Test
    void runsWrittenBeforeTheOptimizerOptionsResumeWithPlainSgd() throws IOException {
        Path whole = tmp.resolve("whole");
        assertEquals(0, train(whole, 2).code());
        Path parts = tmp.resolve("parts");
        assertEquals(Errors.INTERRUPTED, Cli.interrupted(() -> train(parts, 2)).code());
        JsonObject config = JsonParser.parseString(Files.readString(parts.resolve("config.json"))).getAsJsonObject();
        for (String key : List.of("optimizer", "momentum", "beta2", "epsilon", "schedule", "step_epochs", "step_factor",
                "cosine_floor", "clamped_start", "init_scale")) {
            config.remove(key);
        }
        Files.writeString(parts.resolve("config.json"), config.toString());
        Cli.Result resumed = Cli.run("--resume", parts.toString());
        assertEquals(0, resumed.code(), resumed::toString);
        assertSameResults(Cli.metrics(whole), Cli.metrics(parts));
    }

    @Test
    void resumeFromTheInitialModel() throws IOException {
        Path whole = tmp.resolve("whole");
        assertEquals(0, train(whole, 1).code());
        Path parts = tmp.resolve("parts");
        assertEquals(0, train(parts, 1).code());
        // As if killed during epoch 1: only config.json and the initial model (epoch 0) remain.
        ModelFile.Model first = ModelFile.read(parts.resolve("model.safetensors"));
        ModelFile.write(parts.resolve("model.safetensors"), first.config(),
                liftnet.api.Parameters.initial(first.config().net(), 7), java.util.Map.of("epoch", "0"));
        Files.delete(parts.resolve("metrics.jsonl"));
        Cli.Result resumed = Cli.run("--resume", parts.toString());
        assertEquals(0, resumed.code(), resumed::toString);
        assertSameResults(Cli.metrics(whole), Cli.metrics(parts));
    }

    @Test
    void divergingRunSaysSoInOneLineAndKeepsTheLastGoodCheckpoint() throws IOException {
        Path run = tmp.resolve("run");
        Cli.Result r = train(run, 2, "--method", "backprop", "--lr", "1e4");
        assertEquals(Errors.DIVERGED, r.code(), r::toString);
        String line = r.error();
        assertTrue(line.contains("training diverged in epoch 1"), line);
        assertTrue(line.contains("lower --lr"), line);
        assertTrue(line.contains("checkpoint of epoch 0"), line);
        ModelFile.Model model = ModelFile.read(run.resolve("model.safetensors"));
        assertEquals("0", model.metadata().get("epoch"));
        for (float w : model.parameters().weight(0)) {
            assertTrue(Float.isFinite(w));
        }
    }

    /**
     * Each baseline trains: every layer's weights moved from the initial ones (seed 7), and on the test set the
     * trained model beats the initial one, evaluated by {@code evaluate} on the same samples: for back-propagation and
     * linear regression by its accuracy, for standard lifted training by its loss, the mean clamped energy.
     */
    @Test
    void everyMethodTrains() throws IOException {
        for (String method : List.of("lifted", "backprop", "linear")) {
            Path run = tmp.resolve(method);
            // Lifted training with the scaled rate eta_BP / gamma^(L-1) diverges on this small net: use a lower one.
            Cli.Result r = method.equals("lifted") ? train(run, 1, "--method", method, "--lr", "0.001")
                    : train(run, 3, "--method", method);
            assertEquals(0, r.code(), r::toString);
            JsonObject line = Cli.metrics(run).get(0);
            ModelFile.Model model = ModelFile.read(run.resolve("model.safetensors"));
            assertEquals(method, model.metadata().get("method"));
            Parameters initial = Parameters.initial(model.config().net(), 7);
            for (int k = 0; k < model.config().net().layers(); k++) {
                float[] w = model.parameters().weight(k);
                float[] w0 = initial.weight(k);
                double moved = 0;
                for (int i = 0; i < w.length; i++) {
                    moved = Math.max(moved, Math.abs(w[i] - w0[i]));
                }
                assertTrue(moved > 1e-3, method + ": W" + k + " moved by at most " + moved);
            }
            Path start = tmp.resolve(method + "-initial.safetensors");
            ModelFile.write(start, model.config(), initial, Map.of("method", method));
            JsonObject before = evaluate(start);
            JsonObject after = evaluate(run.resolve("model.safetensors"));
            String figures = method + ": initial " + before + ", trained " + after;
            // seeded, 2 threads: lifted 0.375 -> 0.159 (1 epoch); backprop 0.085 -> 0.495, linear 0.054 -> 0.473 (3 epochs)
            if (method.equals("lifted")) {
                assertTrue(after.get("clamped_energy").getAsDouble() < 0.6 * before.get("clamped_energy").getAsDouble(), figures);
            } else {
                assertTrue(after.get("test_acc").getAsDouble() > before.get("test_acc").getAsDouble() + 0.3, figures);
            }
            if (method.equals("linear")) {
                assertEquals("784-10", model.config().net().toString());
                assertEquals(0, line.get("linear_fraction").getAsJsonArray().size());
            }
            if (!method.equals("lifted")) {
                assertTrue(line.get("free_energy").isJsonNull(), line::toString);
            }
        }
    }

    /** {@code evaluate} on MNIST's first 2,000 test samples, as the training runs (CPU, 2 threads, 8 sweeps). */
    private static JsonObject evaluate(Path model) {
        Cli.Result r = Cli.run("evaluate", "--device", "cpu", "--threads", "2", "--sweeps", "8", "--limit", "2000",
                "--model", model.toString());
        assertEquals(0, r.code(), r::toString);
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }

    private static void assertSameParameters(Path a, Path b) throws IOException {
        ModelFile.Model ma = ModelFile.read(a.resolve("model.safetensors"));
        ModelFile.Model mb = ModelFile.read(b.resolve("model.safetensors"));
        for (int k = 0; k < ma.config().net().layers(); k++) {
            assertArrayEquals(ma.parameters().weight(k), mb.parameters().weight(k), "W" + k);
            assertArrayEquals(ma.parameters().bias(k), mb.parameters().bias(k), "b" + k);
        }
    }
}
