package liftnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code --nudge}: refused with one error line where it does not apply, saved in config.json, and stopped with one
 * error line naming the convexity bound when the negative phase is not convex.
 */
class NudgeOptionTest extends Cli.MnistRuns {

    private static final String[] SMALL = {"--device", "cpu", "--threads", "1", "--net", "784-16-12-10", "--limit", "200",
            "--batch", "10", "--seed", "3", "--sweeps", "6", "--train-eval", "0"};

    private static Cli.Result train(String... extra) {
        return Cli.run(Cli.concat(SMALL, extra));
    }

    @Test
    void symmetricNudgeNeedsTheContrastiveMethodAndASoftClamp() {
        Cli.assertUsageError(train("--epochs", "1", "--out", tmp.resolve("a").toString(), "--method", "lifted",
                "--clamp-weight", "0.001", "--nudge", "symmetric"), "--nudge symmetric", "--method lifted");
        Cli.assertUsageError(train("--epochs", "1", "--out", tmp.resolve("b").toString(), "--nudge", "symmetric"),
                "--nudge symmetric", "hard clamp", "--clamp-weight");
        Cli.assertUsageError(train("--epochs", "1", "--out", tmp.resolve("c").toString(), "--nudge", "both"),
                "--nudge both", "one-sided or symmetric");
        Cli.assertUsageError(train("--epochs", "1", "--out", tmp.resolve("d").toString(), "--clamp-weight", "0.02",
                "--nudge", "symmetric"), "--clamp-weight 0.02", "below g = gamma^(L-1) = 0.01563");
    }

    @Test
    void symmetricRunRecordsTheNudgeAndItsBound() throws IOException {
        Path run = tmp.resolve("sym");
        Cli.Result r = train("--epochs", "1", "--gamma", "0.5", "--clamp-weight", "0.01", "--nudge", "symmetric",
                "--out", run.toString());
        assertEquals(0, r.code(), r::toString);
        JsonObject config = JsonParser.parseString(Files.readString(run.resolve("config.json"))).getAsJsonObject();
        assertEquals("symmetric", config.get("nudge").getAsString());
        List<JsonObject> metrics = Cli.metrics(run);
        double bound = metrics.get(0).get("nudge_bound").getAsDouble();
        assertTrue(bound > 0.01 && bound < 0.25, "bound " + bound + " between beta and g = 0.5^2");
    }

    /**
     * {@code beta = 0.9 g}: below {@code g}, above the joint bound of weights three times the usual size
     * ({@code g / (1 + gamma sigma_max(W_2)^2)} is about {@code 0.7 g} for them).
     */
    @Test
    void betaAboveTheBoundStopsWithOneErrorLine() {
        Path run = tmp.resolve("over");
        Cli.Result r = train("--epochs", "1", "--clamp-weight", "0.0140625", "--init-scale", "3", "--nudge", "symmetric",
                "--out", run.toString());
        assertEquals(Errors.DIVERGED, r.code(), r::toString);
        // the error line may follow a progress-bar frame on the same terminal line
        String err = r.err();
        assertEquals(err.indexOf("error: "), err.lastIndexOf("error: "), "one error line: " + err);
        assertTrue(err.indexOf("error: ") >= 0 && !err.contains("\tat "), err);
        String line = err.substring(err.indexOf("error: ")).split("\n")[0];
        for (String f : new String[] {"--nudge symmetric", "not convex at the weights of epoch 1, batch 1", "exceeds the bound",
            "g = gamma^(L-1) = 0.01563", "--clamp-weight"}) {
            assertTrue(line.contains(f), "error line should contain '" + f + "': " + line);
        }
        assertTrue(Files.exists(run.resolve("config.json")), "the run folder keeps its settings");
    }

    /**
     * The OpenCL engine (PoCL in CI) checks the bound at the epoch's start, on the weights read back there: the same case
     * stops with the CPU engine's line (the run folder aside) and exit status.
     */
    @Test
    void betaAboveTheBoundStopsAlikeOnOpenCl() {
        org.junit.jupiter.api.Assumptions.assumeTrue(liftnet.api.Engines.providers().stream()
                .anyMatch(p -> p.id().equals("opencl") && !p.devices().isEmpty()), "no OpenCL device");
        String[] over = {"--epochs", "1", "--clamp-weight", "0.0140625", "--init-scale", "3", "--nudge", "symmetric", "--out"};
        Cli.Result cpu = train(Cli.concat(over, tmp.resolve("cpu-over").toString()));
        String[] onOpenCl = SMALL.clone();
        onOpenCl[1] = "opencl:0";
        Cli.Result ocl = Cli.run(Cli.concat(onOpenCl, Cli.concat(over, tmp.resolve("ocl-over").toString())));
        assertEquals(Errors.DIVERGED, cpu.code(), cpu::toString);
        assertEquals(Errors.DIVERGED, ocl.code(), ocl::toString);
        assertEquals(errorLine(cpu).replace("cpu-over", "RUN"), errorLine(ocl).replace("ocl-over", "RUN"));
    }

    /** The one error line of {@code r}, which may follow a progress-bar frame on the same terminal line. */
    private static String errorLine(Cli.Result r) {
        String err = r.err();
        assertEquals(err.indexOf("error: "), err.lastIndexOf("error: "), "one error line: " + err);
        assertTrue(err.indexOf("error: ") >= 0 && !err.contains("\tat "), err);
        return err.substring(err.indexOf("error: ")).split("\n")[0];
    }
}
