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
 *
 * <p>A colour tile ({@link #renderImages} with 3 channels: a first layer on {@code 3x32x32} CIFAR-10, or a kernel
 * {@code [3, K, K]}) draws the red, green and blue weights of a pixel as its three colour components, each by the rule
 * above with {@code m} the largest finite magnitude over the whole tile, all three channels: a zero weight is mid-grey,
 * a weight that reads red light strongly is red. A pixel with a non-finite weight in any channel is drawn red.
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
        int side = imageShape(p.net().inputs())[1];
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

    /**
     * Writes tiles of {@code channels x height x width} values each ({@link #renderImages}) to {@code png}, atomically:
     * e.g. a convolution's kernel {@code [F, 3, K, K]} as {@code F} colour tiles.
     */
    public static void writeImages(float[] weights, int tiles, int channels, int height, int width, Path png, int scale,
                                   int gap) throws IOException {
        write(renderImages(weights, tiles, channels, height, width, scale, gap), png);
    }

    /**
     * The filter image of {@code p}'s {@code W_0}: grey tiles for {@code s x s} inputs, colour tiles for
     * {@code 3 x s x s} inputs (CIFAR-10 in colour); see {@link #renderImages}.
     *
     * @throws IllegalArgumentException if {@code n_0} is neither a square nor three times one
     */
    public static BufferedImage render(Parameters p, int scale, int gap) {
        int[] shape = imageShape(p.net().inputs());
        return renderImages(p.weight(0), p.net().width(1), shape[0], shape[1], shape[1], scale, gap);
    }

    /**
     * {@code {channels, side}} of a first layer's {@code inputs}: {@code {1, s}} for {@code s x s} (784, 1024),
     * {@code {3, s}} for {@code 3 x s x s} (3072).
     *
     * @throws IllegalArgumentException for any other width
     */
    public static int[] imageShape(int inputs) {
        int s = (int) Math.round(Math.sqrt(inputs));
        if (s * s == inputs) {
            return new int[] {1, s};
        }
        int c = (int) Math.round(Math.sqrt(inputs / 3.0));
        if (inputs % 3 == 0 && 3 * c * c == inputs) {
            return new int[] {3, c};
        }
        throw new IllegalArgumentException("cannot draw filters of " + inputs + " inputs as image tiles: " + inputs
                + " is not a perfect square (e.g. 784 = 28 x 28, 1024 = 32 x 32) nor three times one (3072 = 3 x 32 x 32, colour)");
    }

    /**
     * The filter image of a row-major {@code [filters x inputs]} matrix, one grey tile per row. Not modified.
     *
     * @return an RGB image of {@code columns * (s * scale + gap) + gap} by {@code rows * (s * scale + gap) + gap}
     *         pixels, {@code columns = ceil(sqrt(filters))}, {@code rows = ceil(filters / columns)},
     *         {@code s = sqrt(inputs)}; tile {@code j} is at grid cell ({@code j / columns}, {@code j % columns})
     * @throws IllegalArgumentException if {@code inputs} is not a perfect square, the matrix has the wrong length,
     *                                  {@code scale < 1} or {@code gap < 0}
     */
    public static BufferedImage render(float[] weights, int filters, int inputs, int scale, int gap) {
        int side = side(inputs);
        return renderImages(weights, filters, 1, side, side, scale, gap);
    }

    /**
     * The filter image of {@code tiles} images of {@code channels x height x width} values each, row-major one after
     * the other ({@code [tiles, channels, height, width]}): grey tiles for one channel, colour tiles for three (red,
     * green, blue). Not modified.
     *
     * @return an RGB image of {@code columns * (width * scale + gap) + gap} by {@code rows * (height * scale + gap) +
     *         gap} pixels, {@code columns = ceil(sqrt(tiles))}, {@code rows = ceil(tiles / columns)}; tile {@code j} is
     *         at grid cell ({@code j / columns}, {@code j % columns})
     * @throws IllegalArgumentException if {@code channels} is not 1 or 3, the array has the wrong length,
     *                                  {@code scale < 1} or {@code gap < 0}
     */
    public static BufferedImage renderImages(float[] weights, int tiles, int channels, int height, int width, int scale,
                                             int gap) {
        int inputs = channels * height * width;
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("tiles are grey (1 channel) or colour (3 channels); found " + channels);
        }
        if (tiles < 1 || height < 1 || width < 1 || weights.length != (long) tiles * inputs) {
            throw new IllegalArgumentException("W0 must hold " + tiles + " x " + inputs + " values; found "
                    + weights.length);
        }
        if (scale < 1 || gap < 0) {
            throw new IllegalArgumentException("scale must be >= 1 and gap >= 0; found scale " + scale + ", gap " + gap);
        }
        int columns = columns(tiles);
        int rows = (tiles + columns - 1) / columns;
        int cellW = width * scale + gap;
        int cellH = height * scale + gap;
        BufferedImage image = new BufferedImage(columns * cellW + gap, rows * cellH + gap, BufferedImage.TYPE_INT_RGB);
        int[] fill = new int[image.getWidth() * image.getHeight()];
        Arrays.fill(fill, BACKGROUND);
        image.setRGB(0, 0, image.getWidth(), image.getHeight(), fill, 0, image.getWidth());
        int[] block = new int[scale * scale];
        int plane = height * width;
        for (int j = 0; j < tiles; j++) {
            int offset = j * inputs;
            float max = 0f;
            for (int i = 0; i < inputs; i++) {
                float w = weights[offset + i];
                if (Float.isFinite(w)) {
                    max = Math.max(max, Math.abs(w));
                }
            }
            int x0 = gap + (j % columns) * cellW;
            int y0 = gap + (j / columns) * cellH;
            for (int r = 0; r < height; r++) {
                for (int c = 0; c < width; c++) {
                    int at = offset + r * width + c;
                    int rgb = channels == 1 ? colour(weights[at], max)
                            : colour(weights[at], weights[at + plane], weights[at + 2 * plane], max);
                    Arrays.fill(block, rgb);
                    image.setRGB(x0 + c * scale, y0 + r * scale, scale, scale, block, 0, scale);
                }
            }
        }
        return image;
    }

    /** Colour of a pixel whose red, green and blue weights are {@code r, g, b}, in a tile of largest magnitude {@code max}. */
    static int colour(float r, float g, float b, float max) {
        if (!Float.isFinite(r) || !Float.isFinite(g) || !Float.isFinite(b)) {
            return NON_FINITE;
        }
        return level(r, max) << 16 | level(g, max) << 8 | level(b, max);
    }

    /** {@code round(127.5 (1 + w / max))} in {@code 0..255}; 128 when {@code max} is 0. */
    private static int level(float w, float max) {
        int v = max == 0f ? 128 : (int) Math.round(127.5 * (1.0 + (double) w / max));
        return Math.max(0, Math.min(255, v));
    }

    /** Grey level of weight {@code w} in a tile whose largest finite magnitude is {@code max}, as RGB. */
    static int colour(float w, float max) {
        if (!Float.isFinite(w)) {
            return NON_FINITE;
        }
        int grey = level(w, max);
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
