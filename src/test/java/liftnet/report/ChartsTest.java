package liftnet.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartsTest {

    @TempDir
    Path dir;

    private static int colours(BufferedImage img) {
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                seen.add(img.getRGB(x, y));
            }
        }
        return seen.size();
    }

    @Test
    void lineChartWritesADecodablePngOfTheRequestedSize() throws IOException {
        SplittableRandom rnd = new SplittableRandom(5);
        Map<String, double[][]> series = new LinkedHashMap<>();
        for (String name : List.of("contrastive", "backprop")) {
            double[] xs = new double[100];
            double[] ys = new double[100];
            double acc = 0.5;
            for (int i = 0; i < xs.length; i++) {
                xs[i] = i + 1;
                acc += (1 - acc) * 0.05 + rnd.nextGaussian() * 0.002;
                ys[i] = 100 * acc;
            }
            series.put(name, new double[][] {xs, ys});
        }
        Path png = dir.resolve("curves/accuracy.png");
        Charts.lineChart(png, "MNIST 784-64-64-64-10", "epoch", "test accuracy (%)", series, 640, 480);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "PNG decodes");
        assertEquals(640, img.getWidth());
        assertEquals(480, img.getHeight());
        assertTrue(colours(img) > 10, "something is drawn: " + colours(img) + " colours");

        Path defaults = dir.resolve("default.png");
        Charts.lineChart(defaults, "t", "x", "y", Map.of("s", new double[][] {{0, 1, 2}, {3, 1, 2}}));
        BufferedImage d = ImageIO.read(defaults.toFile());
        assertEquals(Charts.WIDTH, d.getWidth());
        assertEquals(Charts.HEIGHT, d.getHeight());
    }

    @Test
    void barChartWritesADecodablePng() throws IOException {
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("test", new double[] {97.7, 86.3, 97.6});
        series.put("train", new double[] {99.8, 85.2, 99.8});
        Path png = dir.resolve("table1.png");
        Charts.barChart(png, "Table 1, ReLU", "method", "accuracy (%)", List.of("backprop", "lifted", "contrastive"),
                series, 500, 400);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img);
        assertEquals(500, img.getWidth());
        assertEquals(400, img.getHeight());
        assertTrue(colours(img) > 10);
    }

    @Test
    void rejectsMalformedSeriesWithoutWritingAFile() {
        Path png = dir.resolve("bad.png");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Charts.lineChart(png, "t",
                "x", "y", Map.of("loss", new double[][] {{1, 2, 3}, {1, 2}})));
        assertTrue(e.getMessage().contains("'loss'") && e.getMessage().contains("lengths 3 and 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Charts.lineChart(png, "t", "x", "y", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> Charts.barChart(png, "t", "x", "y", List.of("a", "b"),
                Map.of("s", new double[] {1})));
        assertFalse(Files.exists(png));
    }
}
