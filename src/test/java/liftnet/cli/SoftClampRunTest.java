package liftnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import liftnet.api.Engines;
import liftnet.api.OutputLoss;
import liftnet.io.ModelFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code --output-loss} and {@code --clamp-weight}: saved in config.json and the model, resumed, and refused where they do not apply. */
class SoftClampRunTest extends Cli.MnistRuns {

    private static final String[] SMALL = {"--device", "cpu", "--threads", "2", "--net", "784-16-12-10", "--limit", "300",
            "--batch", "10", "--seed", "3", "--sweeps", "6"};

    private static Cli.Result train(String... extra) {
        return Cli.run(Cli.concat(SMALL, extra));
    }

    @Test
    void softClampIsSavedInConfigAndModelAndResumed() throws IOException {
        Path run = tmp.resolve("ce");
        Cli.Result first = train("--epochs", "1", "--output-loss", "cross-entropy", "--clamp-weight", "2", "--out", run.toString());
        assertEquals(0, first.code(), first::toString);
        JsonObject config = JsonParser.parseString(Files.readString(run.resolve("config.json"))).getAsJsonObject();
        assertEquals("cross-entropy", config.get("output_loss").getAsString());
        assertEquals(2.0, config.get("clamp_weight").getAsDouble());
        ModelFile.Model model = ModelFile.read(run.resolve("model.safetensors"));
        assertEquals(new OutputLoss(OutputLoss.Kind.CROSS_ENTROPY, 2), model.config().outputLoss());
        assertEquals("cross-entropy", model.metadata().get(ModelFile.OUTPUT_LOSS));

        // a resumed run keeps the soft clamp (its checkpoint's config must match the settings' one)
        Files.writeString(run.resolve("config.json"), Files.readString(run.resolve("config.json")).replace("\"epochs\": 1", "\"epochs\": 2"));
        Cli.Result resumed = Cli.run("--resume", run.toString());
        assertEquals(0, resumed.code(), resumed::toString);
        ModelFile.Model after = ModelFile.read(run.resolve("model.safetensors"));
        assertEquals("2", after.metadata().get("epoch"));
        assertEquals(model.config(), after.config());
    }

    @Test
    void hardClampWritesNoOutputLossMetadata() throws IOException {
        Path run = tmp.resolve("hard");
        Cli.Result r = train("--epochs", "1", "--out", run.toString());
        assertEquals(0, r.code(), r::toString);
        ModelFile.Model model = ModelFile.read(run.resolve("model.safetensors"));
        assertTrue(model.config().outputLoss().isHard());
        assertFalse(model.metadata().containsKey(ModelFile.OUTPUT_LOSS));
        JsonObject config = JsonParser.parseString(Files.readString(run.resolve("config.json"))).getAsJsonObject();
        assertEquals("inf", config.get("clamp_weight").getAsString());
    }

    @Test
    void badSoftClampOptionsAreUsageErrors() {
        Cli.assertUsageError(train("--epochs", "1", "--output-loss", "cross-entropy", "--out", tmp.resolve("a").toString()),
                "--output-loss cross-entropy", "--clamp-weight");
        Cli.assertUsageError(train("--epochs", "1", "--clamp-weight", "-1", "--out", tmp.resolve("b").toString()),
                "--clamp-weight -1");
        Cli.assertUsageError(train("--epochs", "1", "--output-loss", "hinge", "--clamp-weight", "1", "--out",
                tmp.resolve("c").toString()), "--output-loss hinge");
        Cli.assertUsageError(train("--epochs", "1", "--method", "backprop", "--clamp-weight", "1", "--out",
                tmp.resolve("d").toString()), "--method backprop");
        assertFalse(Files.exists(tmp.resolve("a")), "nothing is written for a refused run");
    }

    /** Test accuracy (fraction) two engines may differ by after the same short soft-clamped run. */
    private static final double TOL_ACCURACY = 0.01;

    private static String[] onOpenCl(String... extra) {
        Assumptions.assumeTrue(Engines.providers().stream().anyMatch(p -> p.id().equals("opencl") && !p.devices().isEmpty()),
                "no OpenCL device");
        String[] args = SMALL.clone();
        args[1] = "opencl:0";
        return Cli.concat(args, extra);
    }

    @Test
    void openClEngineTrainsTheSoftClampAsTheCpuEngineDoes() throws IOException {
        String[] soft = {"--epochs", "1", "--output-loss", "cross-entropy", "--clamp-weight", "0.5", "--out"};
        Cli.Result ocl = Cli.run(Cli.concat(onOpenCl(soft), tmp.resolve("ocl").toString()));
        assertEquals(0, ocl.code(), ocl::toString);
        Cli.Result cpu = train(Cli.concat(soft, tmp.resolve("cpu").toString()));
        assertEquals(0, cpu.code(), cpu::toString);
        assertEquals(testAccuracy(tmp.resolve("cpu")), testAccuracy(tmp.resolve("ocl")), TOL_ACCURACY);
    }

    @Test
    void aCapabilityTheEngineLacksIsOneErrorLine() {
        Cli.Result r = Cli.run(onOpenCl("--epochs", "1", "--solver", "gauss-seidel", "--out", tmp.resolve("gs").toString()));
        assertEquals(Errors.FAILURE, r.code(), r::toString);
        assertEquals("error: the opencl engine does not support --solver gauss-seidel; use --device cpu", r.error());
    }

    private static double testAccuracy(Path run) throws IOException {
        java.util.List<JsonObject> epochs = Cli.metrics(run);
        return epochs.get(epochs.size() - 1).get("test_acc").getAsDouble();
    }
}
