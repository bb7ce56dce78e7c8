package liftnet.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import liftnet.api.NetSpec;
import liftnet.api.Parameters;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilterImageTest {

    private static final int WHITE = 0xFFFFFF;

    @TempDir
    Path dir;

    private static int grey(BufferedImage img, int x, int y) {
        int rgb = img.getRGB(x, y) & 0xFFFFFF;
        int r = rgb >> 16;
        assertEquals(r, rgb >> 8 & 0xFF, "grey pixel at " + x + "," + y);
        assertEquals(r, rgb & 0xFF, "grey pixel at " + x + "," + y);
        return r;
    }

    /**
     * Net 16-5-2: five 4x4 tiles in a 3-column grid (2 rows). Tile 0 is all positive with its largest weight at
     * (row 1, col 2); tile 1 is zero; tile 2 is symmetric +-3; tile 3 all negative; tile 4 holds a NaN.
     */
    @Test
    void tilesAreLaidOutAndNormalisedPerTile() {
        int side = 4;
        int inputs = side * side;
        float[] w0 = new float[5 * inputs];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < inputs; i++) {
            w0[i] = 0.1f + (float) rnd.nextDouble() * 0.5f;           // tile 0: in (0.1, 0.6)
            w0[3 * inputs + i] = -0.1f - (float) rnd.nextDouble();    // tile 3: negative
        }
        w0[1 * side + 2] = 2f;                                      // tile 0 max at row 1, col 2
        w0[2 * inputs + 0] = 3f;                                    // tile 2: +3 at (0,0), -3 at (3,3)
        w0[2 * inputs + inputs - 1] = -3f;
        w0[3 * inputs + 2 * side + 1] = -5f;                        // tile 3 min at row 2, col 1
        w0[4 * inputs + 5] = Float.NaN;
        w0[4 * inputs + 6] = 1e-3f;                                 // tile 4: its only finite non-zero
        int scale = 3;
        int gap = 2;
        BufferedImage img = FilterImage.render(w0, 5, inputs, scale, gap);
        int cell = side * scale + gap;
        assertEquals(3 * cell + gap, img.getWidth());
        assertEquals(2 * cell + gap, img.getHeight());

        // tile 0: brightest pixel block is where the largest weight is, and it is white
        int x0 = gap;
        int y0 = gap;
        int bestX = -1;
        int bestY = -1;
        int best = -1;
        for (int y = 0; y < side * scale; y++) {
            for (int x = 0; x < side * scale; x++) {
                int g = grey(img, x0 + x, y0 + y);
                assertTrue(g > 128, "positive weights are lighter than grey: " + g);
                if (g > best) {
                    best = g;
                    bestX = x;
                    bestY = y;
                }
            }
        }
        assertEquals(255, best);
        assertEquals(2 * scale, bestX);
        assertEquals(1 * scale, bestY);
        for (int dy = 0; dy < scale; dy++) {
            for (int dx = 0; dx < scale; dx++) {
                assertEquals(255, grey(img, x0 + 2 * scale + dx, y0 + 1 * scale + dy), "scaled block");
            }
        }
        // a pixel value follows the formula: round(127.5 * (1 + w / max))
        int expected = (int) Math.round(127.5 * (1 + (double) w0[0] / 2f));
        assertEquals(expected, grey(img, x0, y0));

        // tile 1 (grid row 0, column 1): all mid-grey
        for (int y = 0; y < side * scale; y++) {
            for (int x = 0; x < side * scale; x++) {
                assertEquals(128, grey(img, gap + cell + x, gap + y));
            }
        }
        // tile 2 (row 0, column 2): +3 white at top-left, -3 black at bottom-right, zero grey elsewhere
        int t2x = gap + 2 * cell;
        assertEquals(255, grey(img, t2x, gap));
        assertEquals(0, grey(img, t2x + side * scale - 1, gap + side * scale - 1));
        assertEquals(128, grey(img, t2x + scale, gap));
        // tile 3 (row 1, column 0): all darker than grey, black at its minimum
        int t3y = gap + cell;
        assertEquals(0, grey(img, gap + 1 * scale, t3y + 2 * scale));
        assertTrue(grey(img, gap, t3y) < 128);
        // tile 4 (row 1, column 1): NaN red, the small weight white (normalised to its own tile)
        int t4x = gap + cell;
        assertEquals(FilterImage.NON_FINITE, img.getRGB(t4x + 1 * scale, t3y + 1 * scale) & 0xFFFFFF);
        assertEquals(255, grey(img, t4x + 2 * scale, t3y + 1 * scale));
        // gaps and the empty sixth cell are background
        for (int y = 0; y < img.getHeight(); y++) {
            assertEquals(WHITE, img.getRGB(0, y) & 0xFFFFFF);
            assertEquals(WHITE, img.getRGB(gap + side * scale, y) & 0xFFFFFF);
            assertEquals(WHITE, img.getRGB(gap + side * scale + 1, y) & 0xFFFFFF);
        }
        assertEquals(WHITE, img.getRGB(gap + 2 * cell + 5, gap + cell + 5) & 0xFFFFFF);
    }

    @Test
    void writesAPngWithOneTilePerHiddenUnit() throws IOException {
        Parameters p = Parameters.initial(NetSpec.parse("784-64-10"), 7);
        Path png = dir.resolve("filters.png");
        FilterImage.write(p, png);
        BufferedImage img = ImageIO.read(png.toFile());
        int cell = 28 * 3 + FilterImage.DEFAULT_GAP;
        assertEquals(8 * cell + FilterImage.DEFAULT_GAP, img.getWidth());
        assertEquals(8 * cell + FilterImage.DEFAULT_GAP, img.getHeight());
        BufferedImage expected = FilterImage.render(p, 3, FilterImage.DEFAULT_GAP);
        for (int y = 0; y < img.getHeight(); y += 7) {
            for (int x = 0; x < img.getWidth(); x++) {
                assertEquals(expected.getRGB(x, y), img.getRGB(x, y), "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void largeLayersUseAScaleOfTwo() throws IOException {
        Parameters p = Parameters.initial(NetSpec.parse("1024-512-10"), 9);
        Path png = dir.resolve("cifar.png");
        FilterImage.write(p, png);
        BufferedImage img = ImageIO.read(png.toFile());
        int columns = 23; // ceil(sqrt(512))
        assertEquals(columns * (32 * 2 + FilterImage.DEFAULT_GAP) + FilterImage.DEFAULT_GAP, img.getWidth());
        assertEquals(23 * (32 * 2 + FilterImage.DEFAULT_GAP) + FilterImage.DEFAULT_GAP, img.getHeight());
    }

    @Test
    void rejectsInputsThatAreNotAPerfectSquare() {
        Parameters p = Parameters.initial(NetSpec.parse("785-4-2"), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FilterImage.write(p, dir.resolve("x.png")));
        assertTrue(e.getMessage().contains("785 is not a perfect square"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FilterImage.render(new float[15], 1, 16, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> FilterImage.render(new float[16], 1, 16, 0, 1));
    }

    /**
     * Two colour tiles of 2 x 2 ({@code [2, 3, 2, 2]}): each pixel's red, green and blue weights become its colour
     * components, all three scaled by the tile's largest magnitude; a non-finite weight in any channel draws red.
     */
    @Test
    void colourTilesDrawTheThreeChannelsAsRedGreenAndBlue() {
        float[] w = new float[2 * 12];
        // tile 0: pixel (0,0) reads red +2 (the tile's largest), green 0, blue -2; pixel (1,1) green +1
        w[0] = 2f;
        w[8] = -2f;
        w[4 + 3] = 1f;
        // tile 1: pixel (0,1) has a NaN in blue
        w[12 + 8 + 1] = Float.NaN;
        w[12 + 0] = 0.5f;
        BufferedImage img = FilterImage.renderImages(w, 2, 3, 2, 2, 1, 0);
        assertEquals(4, img.getWidth());
        assertEquals(2, img.getHeight());
        assertEquals(255 << 16 | 128 << 8 | 0, img.getRGB(0, 0) & 0xFFFFFF);
        assertEquals(128 << 16 | 191 << 8 | 128, img.getRGB(1, 1) & 0xFFFFFF);
        assertEquals(128 << 16 | 128 << 8 | 128, img.getRGB(1, 0) & 0xFFFFFF);
        assertEquals(255 << 16 | 128 << 8 | 128, img.getRGB(2, 0) & 0xFFFFFF);
        assertEquals(FilterImage.NON_FINITE, img.getRGB(3, 0) & 0xFFFFFF);
        assertArrayEquals(new int[] {3, 32}, FilterImage.imageShape(3072));
        assertArrayEquals(new int[] {1, 28}, FilterImage.imageShape(784));
        assertThrows(IllegalArgumentException.class, () -> FilterImage.imageShape(2048));
        assertThrows(IllegalArgumentException.class, () -> FilterImage.renderImages(w, 2, 2, 2, 2, 1, 0));
    }

    @Test
    void aDenseFirstLayerOnColourInputsDrawsColourTiles() {
        NetSpec net = NetSpec.parse("3x4x4-2-3");
        Parameters p = Parameters.zeros(net);
        p.weight(0)[16] = 1f;   // unit 0 reads green at (0, 0)
        BufferedImage img = FilterImage.render(p, 1, 0);
        assertEquals(8, img.getWidth());
        assertEquals(128 << 16 | 255 << 8 | 128, img.getRGB(0, 0) & 0xFFFFFF);
    }
}
