package liftnet.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import liftnet.io.ModelFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A small convolutional net through the commands on real MNIST: every method trains, a stateful optimizer resumes
 * exactly, evaluate, energy and filters read the model, and bad specs get one error line. (The GPU engines' refusal is
 * checked without a device by {@code liftnet.gpu.GpuConvRefusalTest}: probing and opening PoCL here, after the other
 * cli tests in the same JVM, crashed it on JDK 17.)
 */
class ConvRunTest extends Cli.MnistRuns {

    private static final String NET = "1x28x28-c4k5s4-c8k3s2-16-10";
    private static final String[] SMALL = {"--device", "cpu", "--threads", "2", "--net", NET, "--limit", "1000",
            "--batch", "10", "--seed", "3", "--sweeps", "6"};

    private static Cli.Result train(Path out, int epochs, String... extra) {
        return Cli.train(SMALL, out, epochs, extra);
    }

    /** The metrics lines without their timings. */
    private static List<String> metrics(Path run) throws IOException {
        List<String> lines = new ArrayList<>();
        for (JsonObject o : Cli.metrics(run)) {
            o.remove("seconds");
            o.remove("samples_per_s");
            lines.add(o.toString());
        }
        return lines;
    }

    @ParameterizedTest
    @ValueSource(strings = {"contrastive", "lifted", "backprop", "linear"})
    void everyMethodTrains(String method) throws IOException {
        Path run = tmp.resolve(method);
        Cli.Result r = train(run, 1, "--method", method);
        assertEquals(0, r.code(), r::toString);
        JsonObject line = Cli.metrics(run).get(0);
        // Standard lifted training is far behind after one epoch (the paper's MLP reaches 86% after 100): it only has to run.
        if (!method.equals("lifted")) {
            assertTrue(line.get("test_acc").getAsDouble() > 0.2, method + " beats chance (0.1) after 1000 samples: " + line);
        }
        assertTrue(Double.isFinite(line.get("train_acc").getAsDouble()), line::toString);
        ModelFile.Model m = ModelFile.read(run.resolve("model.safetensors"));
        assertEquals(method.equals("linear") ? "784-10" : NET, m.config().net().toString());
    }

    @Test
    void adamResumesExactlyAndTheToolsReadTheModel() throws IOException {
        Path whole = tmp.resolve("whole");
        assertEquals(0, train(whole, 2, "--optimizer", "adam", "--lr", "0.002").code());
        Path parts = tmp.resolve("parts");
        assertEquals(Errors.INTERRUPTED, Cli.interrupted(() -> train(parts, 2, "--optimizer", "adam", "--lr", "0.002")).code());
        Cli.Result resumed = Cli.run("--resume", parts.toString());
        assertEquals(0, resumed.code(), resumed::toString);
        assertEquals(metrics(whole), metrics(parts));
        ModelFile.Model a = ModelFile.read(whole.resolve("model.safetensors"));
        ModelFile.Model b = ModelFile.read(parts.resolve("model.safetensors"));
        assertEquals(a.parameters(), b.parameters());

        String model = whole.resolve("model.safetensors").toString();
        Cli.Result eval = Cli.run("evaluate", "--model", model, "--data", Cli.MNIST.toString(), "--limit", "50", "--device", "cpu");
        assertEquals(0, eval.code(), eval::toString);
        JsonObject o = JsonParser.parseString(eval.out()).getAsJsonObject();
        assertEquals(50, o.get("samples").getAsInt());
        assertEquals(3, o.get("linear_fraction").getAsJsonArray().size());

        Cli.Result energy = Cli.run("energy", "--model", model, "--dataset", "mnist", "--data", Cli.MNIST.toString(),
                "--split", "test", "--limit", "4", "--device", "cpu");
        assertEquals(0, energy.code(), energy::toString);
        JsonObject e = JsonParser.parseString(energy.out()).getAsJsonObject();
        for (int i = 0; i < 4; i++) {
            assertTrue(e.get("free").getAsJsonArray().get(i).getAsDouble()
                    <= e.get("clamped").getAsJsonArray().get(i).getAsDouble() + 1e-9, energy.out());
        }

        Path png = tmp.resolve("kernels.png");
        Cli.Result filters = Cli.run("filters", "--model", model, "--out", png.toString(), "--scale", "2", "--gap", "1");
        assertEquals(0, filters.code(), filters::toString);
        BufferedImage image = ImageIO.read(png.toFile());
        // 4 kernels of 5 x 5 in a 2 x 2 grid, 2 pixels per weight, 1 pixel apart and from the border, then three lines
        // of caption below (what the tiles are, their scale)
        int grid = 2 * 11 + 1;
        assertTrue(image.getWidth() >= grid && image.getHeight() > grid + 3 * 10, image.getWidth() + " x " + image.getHeight());
        assertTrue(darkPixelsBelow(image, grid) > 100, "the caption's text below the tiles");
        assertTrue(filters.err().contains("with a caption"), filters.err());
        assertArrayEquals(new int[] {4, 1, 5, 5}, liftnet.io.SafeTensors.read(whole.resolve("model.safetensors"))
                .tensors().get("W0").shape());
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = ';', value = {
            "1x28x28-c16k0-10; the kernel size must be at least 1",
            "1x28x28-c16k5s2-c8k3s15-10; larger than the 14x14 map",
            "1x14x56-c16k5s2-10; does not match mnist, whose images are 1x28x28",
            "3x28x28-c16k5s2-10; does not match mnist"})
    void badConvSpecsGetOneErrorLine(String net, String mentioned) {
        Cli.Result r = Cli.run("--device", "cpu", "--net", net, "--epochs", "1", "--out", tmp.resolve("bad").toString());
        assertTrue(r.code() == Errors.USAGE, r::toString);
        Cli.assertMessage(r, mentioned);
        assertTrue(!Files.exists(tmp.resolve("bad").resolve("model.safetensors")), "no run folder is made");
    }

    /** Pixels darker than mid-grey below row {@code top}: the caption's text. */
    static int darkPixelsBelow(BufferedImage image, int top) {
        int dark = 0;
        for (int y = top; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xFF) < 100) {
                    dark++;
                }
            }
        }
        return dark;
    }
}
