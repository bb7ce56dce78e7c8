package liftnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code evaluate} and {@code energy} on a model trained for one epoch on 600 MNIST samples. */
class EvaluateEnergyTest {

    @TempDir
    static Path tmp;

    static Path run;

    @BeforeAll
    static void trainModel() {
        Cli.requireMnist();
        run = tmp.resolve("run");
        Cli.Result r = Cli.run("--device", "cpu", "--threads", "2", "--net", "784-16-12-10", "--limit", "600",
                "--batch", "10", "--epochs", "1", "--out", run.toString());
        assertEquals(0, r.code(), r::toString);
    }

    private static JsonObject onlyJson(Cli.Result r) {
        assertEquals(0, r.code(), r::toString);
        assertEquals(1, r.out().lines().count(), "exactly one line on stdout: " + r.out());
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }

    @Test
    void evaluateReproducesTheTestAccuracyOfTraining() throws Exception {
        JsonObject line = JsonParser.parseString(Files.readAllLines(run.resolve("metrics.jsonl")).get(0)).getAsJsonObject();
        JsonObject o = onlyJson(Cli.run("evaluate", "--device", "cpu", "--threads", "2", "--model",
                run.resolve("model.safetensors").toString(), "--data", Cli.MNIST.toString()));
        assertEquals(line.get("test_acc"), o.get("test_acc"));
        assertEquals(line.get("linear_fraction"), o.get("linear_fraction"));
        assertEquals(10000, o.get("samples").getAsInt());
        assertEquals("free", o.get("inference").getAsString());
    }

    @Test
    void aRunFolderStandsForItsModel() throws Exception {
        String[] common = {"evaluate", "--device", "cpu", "--threads", "2", "--limit", "200", "--model"};
        JsonObject fromFile = onlyJson(Cli.run(concat(common, run.resolve("model.safetensors").toString())));
        JsonObject fromFolder = onlyJson(Cli.run(concat(common, run.toString())));
        assertEquals(fromFile, fromFolder);
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Cli.Result r = Cli.run(concat(common, empty.toString()));
        assertEquals(Errors.FAILURE, r.code(), r::toString);
        Cli.assertMessage(r, "--model " + empty + ": a folder without model.safetensors", "pass a run folder");
    }

    private static String[] concat(String[] a, String last) {
        String[] all = java.util.Arrays.copyOf(a, a.length + 1);
        all[a.length] = last;
        return all;
    }

    @Test
    void evaluateForwardAndOnTheTrainingSplit() {
        JsonObject o = onlyJson(Cli.run("evaluate", "--device", "cpu", "--forward", "--split", "train", "--limit", "300",
                "--model", run.resolve("model.safetensors").toString()));
        double acc = o.get("train_acc").getAsDouble();
        assertTrue(acc > 0.3 && acc <= 1, o::toString);
        assertEquals(300, o.get("samples").getAsInt());
        assertEquals("forward", o.get("inference").getAsString());
    }

    @Test
    void energyPrintsOneJsonObjectWithAnEnergyPerSample() {
        JsonObject o = onlyJson(Cli.run("energy", "--device", "cpu", "--model", run.resolve("model.safetensors").toString(),
                "--dataset", "mnist", "--data", Cli.MNIST.toString(), "--split", "test", "--limit", "7", "--sweeps", "15",
                "--batch", "3"));
        assertEquals(2, o.size(), o::toString);
        JsonArray free = o.getAsJsonArray("free");
        JsonArray clamped = o.getAsJsonArray("clamped");
        assertEquals(7, free.size());
        assertEquals(7, clamped.size());
        for (int i = 0; i < 7; i++) {
            double f = free.get(i).getAsDouble();
            double c = clamped.get(i).getAsDouble();
            assertTrue(f >= 0 && c >= f * (1 - 1e-5), "sample " + i + ": free " + f + ", clamped " + c);
        }
        // The same samples in one batch of 7: the same energies.
        JsonObject one = onlyJson(Cli.run("energy", "--device", "cpu", "--model", run.resolve("model.safetensors").toString(),
                "--limit", "7"));
        for (int i = 0; i < 7; i++) {
            assertEquals(free.get(i).getAsDouble(), one.getAsJsonArray("free").get(i).getAsDouble(), 1e-6 * (1 + free.get(i).getAsDouble()));
        }
    }
}
