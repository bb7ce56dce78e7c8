package liftnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import liftnet.score.Score;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code score} on a small MNIST model: the JSON object, the plot, a set against itself, and bad input. */
class ScoreCommandTest {

    @TempDir
    static Path tmp;

    private static Path model;

    @BeforeAll
    static void train() {
        Cli.requireMnist();
        StopSignal.reset();
        Path run = tmp.resolve("run");
        Cli.Result r = Cli.run("--device", "cpu", "--threads", "2", "--net", "784-16-12-10", "--limit", "300", "--batch", "10",
                "--sweeps", "6", "--epochs", "1", "--out", run.toString());
        assertEquals(0, r.code(), r::toString);
        model = run.resolve("model.safetensors");
    }

    private static JsonObject score(String... extra) {
        String[] base = {"score", "--json", "--device", "cpu", "--threads", "2", "--sweeps", "6", "--model", model.toString(),
            "--limit", "150"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.code(), r::toString);
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }

    @Test
    void printsEveryScoreAndDrawsThePlot() throws IOException {
        Path png = tmp.resolve("roc.png");
        JsonObject o = score("--ood", "noise", "--plot", png.toString());
        assertEquals(150, o.get("samples_in").getAsInt());
        assertEquals(150, o.get("samples_ood").getAsInt());
        JsonObject scores = o.getAsJsonObject("scores");
        for (Score s : Score.values()) {
            JsonObject e = scores.getAsJsonObject(s.id());
            double auroc = e.get("auroc").getAsDouble();
            double fpr = e.get("fpr95").getAsDouble();
            assertTrue(auroc >= 0 && auroc <= 1 && fpr >= 0 && fpr <= 1, s.id() + ": " + e);
            assertTrue(e.has("mean_in") && e.has("mean_ood"), s.id() + ": " + e);
        }
        // Uniform noise has about twice MNIST's free energy even under a model trained for one epoch on 300 samples
        // (seeded, 2 threads: AUROC 0.932, FPR95 0.35, means 0.76 and 1.72), where a constant score gives 0.5 and 1.
        for (Score s : new Score[] {Score.FREE_ENERGY, Score.MIN_CLAMPED_ENERGY}) {
            JsonObject e = scores.getAsJsonObject(s.id());
            assertTrue(e.get("auroc").getAsDouble() > 0.85, s.id() + " separates MNIST from noise: " + e);
            assertTrue(e.get("fpr95").getAsDouble() < 0.5, s.id() + " keeps few noise samples at 95% of MNIST: " + e);
            assertTrue(e.get("mean_ood").getAsDouble() > 1.5 * e.get("mean_in").getAsDouble(), s.id() + ": " + e);
        }
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 4);
        assertEquals("\u0089PNG", new String(head, java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    @Test
    void aSetAgainstItselfIsNotSeparated() {
        JsonObject scores = score("--ood", "mnist", "--ood-split", "test").getAsJsonObject("scores");
        for (Score s : Score.values()) {
            JsonObject e = scores.getAsJsonObject(s.id());
            assertEquals(0.5, e.get("auroc").getAsDouble(), 1e-12, s.id());
            assertTrue(e.get("fpr95").getAsDouble() >= 0.95, s.id() + ": " + e);
            assertEquals(e.get("mean_in").getAsDouble(), e.get("mean_ood").getAsDouble(), 1e-9, s.id());
        }
    }

    @Test
    void printsATableForARunFolder() {
        Path run = model.getParent();
        Cli.Result r = Cli.run("score", "--device", "cpu", "--threads", "2", "--sweeps", "6", "--model", run.toString(),
                "--limit", "40", "--ood", "noise");
        assertEquals(0, r.code(), r::toString);
        java.util.List<String> lines = r.out().lines().toList();
        assertEquals(2 + Score.values().length, lines.size(), r::toString);
        assertTrue(lines.get(0).startsWith("in: mnist/test") && lines.get(0).contains("; out: noise")
                && lines.get(0).contains("; model " + run.resolve("model.safetensors") + ","), lines.get(0));
        assertTrue(lines.get(1).matches("score +AUROC +FPR95 +mean in +mean out +OOD when"), lines.get(1));
        for (int i = 0; i < Score.values().length; i++) {
            String row = lines.get(2 + i);
            assertTrue(row.matches(Score.values()[i].id() + " +[01]\\.\\d{4} +[01]\\.\\d{4} +\\S+ +\\S+ +(higher|lower)"), row);
        }
    }

    @Test
    void badOodIsAUsageError() {
        String m = model.toString();
        Cli.assertUsageError(Cli.run("score", "--model", m, "--ood", "cifar10"), "--ood cifar10", "1024 inputs");
        Cli.assertUsageError(Cli.run("score", "--model", m, "--ood", "svhn"), "--ood svhn", "noise");
        Cli.assertUsageError(Cli.run("score", "--model", m, "--ood", "noise", "--ood-split", "dev"), "--ood-split dev");
    }
}
