package liftnet.report;

import liftnet.api.Parameters;
import liftnet.io.AtomicFiles;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;

/**
 * Draws the first-layer weights {@code W_0} as image tiles, like the paper's Figure 1: row {@code j} of
 * {@code W_0} (the weights into hidden unit {@code j}) is reshaped row-major to an {@code s x s} tile, with
 * {@code s = sqrt(n_0)} (28 for MNIST, 32 for grey CIFAR-10).
 *
 * <p>Each tile is normalised to its own symmetric range: with {@code m = max_i |w_i|} over the tile, a weight
 * {@code w} becomes the grey level {@code round(127.5 * (1 + w / m))}, so 0 is mid-grey (128), {@code +m} white
 * (255) and {@code -m} black (0); an all-zero tile is uniformly mid-grey. Non-finite weights are drawn red and
 * left out of {@code m}. Tiles sit in a near-square grid, {@code columns = ceil(sqrt(n_1))}, filled row by row,
 * each pixel scaled to {@code scale x scale}, separated from each other and from the image border by
 * {@code gap} white pixels.
 */
public final class FilterImage {

    /** Colour of the gaps between tiles (RGB). */
    public static final int BACKGROUND = 0xFFFFFF;
    /** Colour of non-finite weights (RGB). */
    public static final int NON_FINITE = 0xFF0000;
    /** Default gap between tiles in pixels. */
    public static final int DEFAULT_GAP = 2;
    /** Width above which {@link #write(Parameters, Path)} draws at scale 2 instead of 3. */
    private static final int PREFERRED_MAX_WIDTH = 2000;

    private FilterImage() {
    }

    /**
     * Writes the filter image of {@code p}'s {@code W_0} to {@code png} with a {@link #DEFAULT_GAP} and scale 3,
     * or 2 where scale 3 would make the image wider than about 2000 pixels (e.g. 512 tiles of 32 x 32).
     *
     * @throws IllegalArgumentException if {@code n_0} is not a perfect square
     */
    public static void write(Parameters p, Path png) throws IOException {
        int side = side(p.net().inputs());
        int columns = columns(p.net().width(1));
        int scale = columns * (side * 3 + DEFAULT_GAP) <= PREFERRED_MAX_WIDTH ? 3 : 2;
        write(p, png, scale, DEFAULT_GAP);
    }

    /**
     * Writes the filter image of {@code p}'s {@code W_0} to {@code png}, atomically.
     *
     * @param scale each weight becomes {@code scale x scale} pixels, at least 1
     * @param gap   white pixels between tiles and around them, at least 0
     * @throws IllegalArgumentException if {@code n_0} is not a perfect square, or scale or gap are out of range
     */
    public static void write(Parameters p, Path png, int scale, int gap) throws IOException {
        write(render(p, scale, gap), png);
    }

    /**
     * Writes the tiles of a row-major {@code [tiles x inputs]} matrix to {@code png}, atomically, e.g. a convolution's
     * kernel {@code [F, C, K, K]} as {@code F C} tiles of {@code K x K}; see {@link #render(float[], int, int, int, int)}.
     */
    public static void write(float[] weights, int tiles, int inputs, Path png, int scale, int gap) throws IOException {
        write(render(weights, tiles, inputs, scale, gap), png);
    }

    private static void write(BufferedImage image, Path png) throws IOException {
        AtomicFiles.write(png, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer available in this JVM");
            }
        });
    }

    /** The filter image of {@code p}'s {@code W_0}; see {@link #render(float[], int, int, int, int)}. */
    public static BufferedImage render(Parameters p, int scale, int gap) {
        return render(p.weight(0), p.net().width(1), p.net().inputs(), scale, gap);
    }

    /**
     * The filter image of a row-major {@code [filters x inputs]} matrix, one tile per row. Not modified.
     *
     * @return an RGB image of {@code columns * (s * scale + gap) + gap} by {@code rows * (s * scale + gap) + gap}
     *         pixels, {@code columns = ceil(sqrt(filters))}, {@code rows = ceil(filters / columns)},
     *         {@code s = sqrt(inputs)}; tile {@code j} is at grid cell ({@code j / columns}, {@code j % columns})
     * @throws IllegalArgumentException if {@code inputs} is not a perfect square, the matrix has the wrong length,
     *                                  {@code scale < 1} or {@code gap < 0}
     */
    public static BufferedImage render(float[] weights, int filters, int inputs, int scale, int gap) {
        int side = side(inputs);
        if (filters < 1 || weights.length != (long) filters * inputs) {
            throw new IllegalArgumentException("W0 must hold " + filters + " x " + inputs + " values; found "
                    + weights.length);
        }
        if (scale < 1 || gap < 0) {
            throw new IllegalArgumentException("scale must be >= 1 and gap >= 0; found scale " + scale + ", gap " + gap);
        }
        int columns = columns(filters);
        int rows = (filters + columns - 1) / columns;
        int cell = side * scale + gap;
        BufferedImage image = new BufferedImage(columns * cell + gap, rows * cell + gap, BufferedImage.TYPE_INT_RGB);
        int[] fill = new int[image.getWidth() * image.getHeight()];
        Arrays.fill(fill, BACKGROUND);
        image.setRGB(0, 0, image.getWidth(), image.getHeight(), fill, 0, image.getWidth());
        int[] block = new int[scale * scale];
        for (int j = 0; j < filters; j++) {
            int offset = j * inputs;
            float max = 0f;
            for (int i = 0; i < inputs; i++) {
                float w = weights[offset + i];
                if (Float.isFinite(w)) {
                    max = Math.max(max, Math.abs(w));
                }
            }
            int x0 = gap + (j % columns) * cell;
            int y0 = gap + (j / columns) * cell;
            for (int r = 0; r < side; r++) {
                for (int c = 0; c < side; c++) {
                    Arrays.fill(block, colour(weights[offset + r * side + c], max));
                    image.setRGB(x0 + c * scale, y0 + r * scale, scale, scale, block, 0, scale);
                }
            }
        }
        return image;
    }

    /** Grey level of weight {@code w} in a tile whose largest finite magnitude is {@code max}, as RGB. */
    static int colour(float w, float max) {
        if (!Float.isFinite(w)) {
            return NON_FINITE;
        }
        int grey = max == 0f ? 128 : (int) Math.round(127.5 * (1.0 + (double) w / max));
        grey = Math.max(0, Math.min(255, grey));
        return grey << 16 | grey << 8 | grey;
    }

    /** Number of grid columns for {@code tiles} tiles, {@code ceil(sqrt(tiles))}. */
    static int columns(int tiles) {
        int c = (int) Math.sqrt(tiles);
        while (c * c < tiles) {
            c++;
        }
        return Math.max(1, c);
    }

    /** {@code sqrt(inputs)}, which must be an integer. */
    static int side(int inputs) {
        int s = (int) Math.round(Math.sqrt(inputs));
        if (s * s != inputs) {
            throw new IllegalArgumentException("cannot draw filters of " + inputs + " inputs as square tiles: "
                    + inputs + " is not a perfect square (e.g. 784 = 28 x 28, 1024 = 32 x 32)");
        }
        return s;
    }
}
