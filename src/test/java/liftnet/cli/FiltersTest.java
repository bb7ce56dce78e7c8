package liftnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Units;
import liftnet.io.ModelFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code filters} on seeded models written to a temporary folder. */
class FiltersTest {

    @TempDir
    Path tmp;

    private Path model(String net) throws IOException {
        NetSpec spec = NetSpec.parse(net);
        Path file = tmp.resolve(net + ".safetensors");
        ModelFile.write(file, new NetConfig(spec, Units.RELU, 0.125), Parameters.initial(spec, 3), Map.of());
        return file;
    }

    @Test
    void drawsOneTilePerFirstLayerUnit() throws IOException {
        Path png = tmp.resolve("filters.png");
        Cli.Result r = Cli.run("filters", "--model", model("784-16-10").toString(), "--out", png.toString(), "--scale", "1",
                "--gap", "1");
        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.out());
        BufferedImage image = ImageIO.read(png.toFile());
        // 16 tiles in a 4 x 4 grid of 28 x 28 pixels, 1 pixel apart and from the border
        assertEquals(4 * 29 + 1, image.getWidth());
        assertEquals(4 * 29 + 1, image.getHeight());
    }

    @Test
    void nonSquareInputsAreRefused() throws IOException {
        Path model = model("99-10");
        Cli.Result r = Cli.run("filters", "--model", model.toString(), "--out", tmp.resolve("x.png").toString());
        assertEquals(Errors.FAILURE, r.code(), r::toString);
        Cli.assertMessage(r, model.toString(), "not a square image");
    }

    @Test
    void missingOutIsAUsageError() throws IOException {
        Cli.assertUsageError(Cli.run("filters", "--model", model("784-4-10").toString()), "Missing required option: '--out");
    }
}
