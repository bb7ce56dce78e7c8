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
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import liftnet.io.ModelFile;
import liftnet.io.SafeTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Pooling nets and colour CIFAR-10 through the commands, on small CIFAR-format files written here: each image is
 * noise around a colour that depends on its label (hue 36 degrees apart), the same grey level for every label, so
 * that colour tells the classes apart and gray does not. A {@code 3x32x32} net reads colour and learns them,
 * {@code 1x32x32} reads grayscale as before, and evaluate, energy, score and filters read the pooling model.
 */
class PoolingRunTest {

    private static final int TRAIN = 1000;
    /** BT.601 luma weights, and two orthonormal directions orthogonal to them: colours 128 + a U + b V all have luma 128. */
    private static final double[] LUMA = {0.299, 0.587, 0.114};
    private static final double[] CHROMA_U = unit(new double[] {LUMA[1], -LUMA[0], 0});
    private static final double[] CHROMA_V = unit(cross(LUMA, CHROMA_U));
    private static final int TEST = 200;

    @TempDir
    static Path data;

    @TempDir
    Path tmp;

    /** Writes {@code data_batch_1..5.bin} (200 records each) and {@code test_batch.bin} (200 records). */
    @BeforeAll
    static void writeCifarFiles() throws IOException {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int f = 1; f <= 5; f++) {
            Files.write(data.resolve("data_batch_" + f + ".bin"), records(TRAIN / 5, rnd));
        }
        Files.write(data.resolve("test_batch.bin"), records(TEST, rnd));
    }

    /** {@code n} records: label, then R, G and B planes of 32 x 32, each pixel its label's colour plus noise. */
    private static byte[] records(int n, SplittableRandom rnd) {
        int pixels = 32 * 32;
        byte[] out = new byte[n * (1 + 3 * pixels)];
        for (int i = 0; i < n; i++) {
            int label = rnd.nextInt(10);
            int o = i * (1 + 3 * pixels);
            out[o] = (byte) label;
            double hue = 2 * Math.PI * label / 10;
            double[] rgb = new double[3];
            for (int c = 0; c < 3; c++) {
                rgb[c] = 128 + 90 * (Math.cos(hue) * CHROMA_U[c] + Math.sin(hue) * CHROMA_V[c]);
            }
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < pixels; p++) {
                    double value = rgb[c] + 25 * rnd.nextGaussian();
                    out[o + 1 + c * pixels + p] = (byte) Math.max(0, Math.min(255, (int) Math.round(value)));
                }
            }
        }
        return out;
    }

    private static double[] cross(double[] a, double[] b) {
        return new double[] {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
    }

    private static double[] unit(double[] a) {
        double n = Math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
        return new double[] {a[0] / n, a[1] / n, a[2] / n};
    }

    private static Cli.Result train(Path out, String net, String... extra) {
        return Cli.train(Cli.concat(new String[] {"--device", "cpu", "--threads", "2", "--dataset", "cifar10", "--data",
                data.toString(), "--net", net, "--batch", "10", "--seed", "2", "--sweeps", "6"}, extra), out, 2);
    }

    @Test
    void aColourPoolingNetLearnsWhatGrayscaleCannotSee() throws IOException {
        Path colour = tmp.resolve("colour");
        Cli.Result r = train(colour, "3x32x32-c4k3-p4-c8k3-p2-10", "--method", "backprop", "--lr", "0.1");
        assertEquals(0, r.code(), r::toString);
        double colourAcc = Cli.metrics(colour).get(1).get("test_acc").getAsDouble();
        assertTrue(colourAcc > 0.5, "colour net: test accuracy " + colourAcc + " on 10 hues (chance 0.1)");
        ModelFile.Model m = ModelFile.read(colour.resolve("model.safetensors"));
        assertEquals("3x32x32-c4k3-p4-c8k3-p2-10", m.config().net().toString());
        assertEquals("1,4,2", m.metadata().get(ModelFile.POOLING));
        assertArrayEquals(new int[] {10, 8 * 4 * 4}, SafeTensors.read(colour.resolve("model.safetensors")).tensors()
                .get("W2").shape());

        Path grey = tmp.resolve("grey");
        r = train(grey, "1x32x32-c4k3-p4-c8k3-p2-10", "--method", "backprop", "--lr", "0.1");
        assertEquals(0, r.code(), r::toString);
        double greyAcc = Cli.metrics(grey).get(1).get("test_acc").getAsDouble();
        assertTrue(greyAcc < colourAcc - 0.2, "grayscale sees one grey level for every hue: " + greyAcc + " against "
                + colourAcc + " in colour");
    }

    @Test
    void theToolsReadAContrastivePoolingModelInColour() throws IOException {
        Path run = tmp.resolve("run");
        Cli.Result r = train(run, "3x32x32-c4k3-p4-c6k3-p2-16-10", "--tol", "1e-9", "--limit", "100");
        assertEquals(0, r.code(), r::toString);
        JsonObject last = Cli.metrics(run).get(1);
        assertTrue(Double.isFinite(last.get("free_energy").getAsDouble()), last::toString);
        String model = run.resolve("model.safetensors").toString();

        Cli.Result eval = Cli.run("evaluate", "--model", model, "--data", data.toString(), "--limit", "20", "--device", "cpu");
        assertEquals(0, eval.code(), eval::toString);
        JsonObject o = JsonParser.parseString(eval.out()).getAsJsonObject();
        assertEquals(20, o.get("samples").getAsInt());
        assertEquals(3, o.get("linear_fraction").getAsJsonArray().size());

        Cli.Result energy = Cli.run("energy", "--model", model, "--dataset", "cifar10", "--data", data.toString(),
                "--split", "test", "--limit", "4", "--device", "cpu");
        assertEquals(0, energy.code(), energy::toString);
        JsonObject e = JsonParser.parseString(energy.out()).getAsJsonObject();
        for (int i = 0; i < 4; i++) {
            assertTrue(e.get("free").getAsJsonArray().get(i).getAsDouble()
                    <= e.get("clamped").getAsJsonArray().get(i).getAsDouble() + 1e-9, energy.out());
        }

        Cli.Result score = Cli.run("score", "--model", model, "--data", data.toString(), "--ood", "noise", "--limit", "10",
                "--device", "cpu", "--json");
        assertEquals(0, score.code(), score::toString);
        assertTrue(JsonParser.parseString(score.out()).getAsJsonObject().has("scores"), score.out());

        Path png = tmp.resolve("kernels.png");
        Cli.Result filters = Cli.run("filters", "--model", model, "--out", png.toString(), "--scale", "2", "--gap", "1");
        assertEquals(0, filters.code(), filters::toString);
        assertTrue(filters.err().contains("4 colour kernels of 3 x 3"), filters.err());
        BufferedImage image = ImageIO.read(png.toFile());
        // 4 colour kernels of 3 x 3 in a 2 x 2 grid, 2 pixels per weight, 1 pixel apart and from the border; a caption below
        assertTrue(image.getWidth() >= 2 * 7 + 1 && image.getHeight() > 2 * 7 + 1 + 3 * 10,
                image.getWidth() + " x " + image.getHeight());
        assertTrue(ConvRunTest.darkPixelsBelow(image, 2 * 7 + 1) > 100, "the caption's text below the tiles");
        boolean coloured = false;
        for (int y = 1; y < 7; y++) {
            for (int x = 1; x < 7; x++) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                coloured |= (rgb >> 16) != (rgb & 0xFF) || (rgb >> 8 & 0xFF) != (rgb & 0xFF);
            }
        }
        assertTrue(coloured, "a colour kernel's tile has pixels that are not grey");
    }

    /** A checkpoint names the pooling, and a run stopped after its first epoch resumes to the uninterrupted result. */
    @Test
    void aPoolingRunResumesExactly() throws IOException {
        String[] options = {"--optimizer", "adam", "--lr", "0.002", "--limit", "60", "--sweeps", "4"};
        Path whole = tmp.resolve("whole");
        assertEquals(0, train(whole, "3x32x32-c4k3-p4-c6k3-p2-16-10", options).code());
        Path parts = tmp.resolve("parts");
        Cli.Result first = Cli.interrupted(() -> train(parts, "3x32x32-c4k3-p4-c6k3-p2-16-10", options));
        assertEquals(Errors.INTERRUPTED, first.code(), first::toString);
        assertEquals("1,4,2,1", ModelFile.read(parts.resolve("model.safetensors")).metadata().get(ModelFile.POOLING));
        Cli.Result resumed = Cli.run("--resume", parts.toString());
        assertEquals(0, resumed.code(), resumed::toString);
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        for (JsonObject o : Cli.metrics(whole)) {
            o.remove("seconds");
            o.remove("samples_per_s");
            a.add(o.toString());
        }
        for (JsonObject o : Cli.metrics(parts)) {
            o.remove("seconds");
            o.remove("samples_per_s");
            b.add(o.toString());
        }
        assertEquals(a, b);
        assertEquals(ModelFile.read(whole.resolve("model.safetensors")).parameters(),
                ModelFile.read(parts.resolve("model.safetensors")).parameters());
    }

    @Test
    void aDenseNetOnColourInputsDrawsColourTiles() throws IOException {
        Path run = tmp.resolve("dense");
        Cli.Result r = train(run, "3x32x32-4-10", "--method", "backprop", "--limit", "50");
        assertEquals(0, r.code(), r::toString);
        Path png = tmp.resolve("filters.png");
        Cli.Result filters = Cli.run("filters", "--model", run.toString(), "--out", png.toString(), "--scale", "1", "--gap", "0");
        assertEquals(0, filters.code(), filters::toString);
        assertTrue(filters.err().contains("4 colour filters of 32 x 32"), filters.err());
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(64, image.getWidth());
        assertEquals(64, image.getHeight());
    }

    @ParameterizedTest
    @ValueSource(strings = {"m2", "max2", "maxpool2", "avg2"})
    void maxPoolingGetsOneErrorLineThatSaysWhy(String word) {
        Cli.Result r = Cli.run("--device", "cpu", "--dataset", "cifar10", "--data", data.toString(), "--net",
                "3x32x32-c16k3-" + word + "-10", "--epochs", "1", "--out", tmp.resolve("bad").toString());
        Cli.assertUsageError(r, "'" + word + "'", "max pooling is not linear", "convex quadratic", "p<K>");
        assertTrue(!Files.exists(tmp.resolve("bad").resolve("model.safetensors")), "no run is made");
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "3x32x32-c16k3-p3-10; p3 does not divide the 32x32 map",
            "3x32x32-c16k3s2-p5-10; p5 does not divide the 16x16 map",
            "3x32x32-p2-c16k3-10; must follow a convolution",
            "2x32x32-c16k3-p2-10; whose images are 1x32x32 (grey) or 3x32x32 (colour)",
            "3x28x28-c16k3-p2-10; whose images are 1x32x32 (grey) or 3x32x32 (colour)",
            "3072-64-10; NONE"})
    void badPoolingAndColourSpecsGetOneErrorLine(String net, String mentioned) {
        Cli.Result r = Cli.run("--device", "cpu", "--dataset", "cifar10", "--data", data.toString(), "--net", net,
                "--epochs", "1", "--limit", "20", "--out", tmp.resolve("bad").toString());
        if (mentioned.equals("NONE")) {
            assertEquals(0, r.code(), "a dense net on 3072 inputs reads colour: " + r);
            return;
        }
        Cli.assertUsageError(r, mentioned);
    }
}
