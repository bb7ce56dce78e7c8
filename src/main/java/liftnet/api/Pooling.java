package liftnet.api;

/**
 * Average pooling {@code p<K>}: non-overlapping {@code size x size} windows of an image {@code [channels, height,
 * width]} (a convolution's output) averaged into the pooled image {@code [channels, height / size, width / size]}.
 * It is linear, {@code P z}, so it is no layer of units: the weight layer that reads the pooled image applies
 * {@code W P} to the convolution's units ({@link NetSpec#pooling(int)}). As a matrix,
 * <pre>
 * (P z)[c, py, px] = 1 / size^2 * sum_{dy, dx < size} z[c, py * size + dy, px * size + dx]
 * P^T s            = every unit (c, y, x) gets s[c, y / size, x / size] / size^2
 * </pre>
 * so {@code P e_j = e_{pooled(j)} / size^2}: column {@code j} of {@code W P} is column {@link #pooled(int)} of
 * {@code W} divided by {@code size^2}, and its squared norm that column's divided by {@code size^4}. Images are
 * flattened channel-major, {@code (c, y, x) -> (c * height + y) * width + x}, before and after.
 *
 * @param channels channels {@code C}
 * @param height   height {@code H} of the map pooled, a multiple of {@code size}
 * @param width    width {@code W} of the map pooled, a multiple of {@code size}
 * @param size     window side {@code K}, at least 1
 */
public record Pooling(int channels, int height, int width, int size) {

    public Pooling {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("the pooled map " + channels + "x" + height + "x" + width
                    + " must have positive sizes");
        }
        if (size < 1) {
            throw new IllegalArgumentException("p" + size + ": the pooling size must be at least 1, e.g. p2");
        }
        if (height % size != 0 || width % size != 0) {
            throw new IllegalArgumentException("p" + size + " does not divide the " + height + "x" + width
                    + " map it pools (windows do not overlap and must tile it); use a size that divides "
                    + (height == width ? Integer.toString(height) : "both " + height + " and " + width)
                    + dividers(height, width));
        }
    }

    /** {@code , e.g. p2 or p7}: the sizes above 1 that divide both sides, for the message; empty when there is none. */
    private static String dividers(int height, int width) {
        StringBuilder sb = new StringBuilder();
        int found = 0;
        for (int k = 2; k <= Math.min(height, width) && found < 3; k++) {
            if (height % k == 0 && width % k == 0) {
                sb.append(found == 0 ? ", e.g. p" : " or p").append(k);
                found++;
            }
        }
        return sb.toString();
    }

    /** Pooled height {@code H / K}. */
    public int outHeight() {
        return height / size;
    }

    /** Pooled width {@code W / K}. */
    public int outWidth() {
        return width / size;
    }

    /** Units pooled, {@code C H W}. */
    public int inputs() {
        return channels * height * width;
    }

    /** Pooled units, {@code C (H / K) (W / K)}. */
    public int outputs() {
        return channels * outHeight() * outWidth();
    }

    /** The pooled position {@code (c, y / K, x / K)} of unit {@code j = (c, y, x)}, flattened. */
    public int pooled(int j) {
        int hw = height * width;
        int c = j / hw;
        int y = (j % hw) / width;
        int x = j % width;
        return (c * outHeight() + y / size) * outWidth() + x / size;
    }

    /** {@code 1 / K^2}, the weight of each unit in its window's average. */
    public float weight() {
        return 1f / (size * size);
    }

    /** The token in a net spec, {@code p<K>}. */
    public String token() {
        return "p" + size;
    }

    /** The pooled image as {@code CxH'xW'}. */
    public String outputShape() {
        return channels + "x" + outHeight() + "x" + outWidth();
    }

    /**
     * {@code M P}: a row-major {@code [rows x outputs()]} matrix times the pooling, {@code [rows x inputs()]},
     * {@code (M P)[i, j] = M[i, pooled(j)] / K^2}, for references and tests. Not modified.
     */
    public double[][] compose(double[][] m) {
        double[][] out = new double[m.length][inputs()];
        double w = 1.0 / (size * size);
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < inputs(); j++) {
                out[i][j] = m[i][pooled(j)] * w;
            }
        }
        return out;
    }

    /**
     * The adjoint of {@link #compose}: a gradient {@code g} with respect to {@code M P}, {@code [rows x inputs()]}, as
     * the gradient with respect to {@code M}, {@code g P^T}: {@code out[i, o] = sum_{j : pooled(j) = o} g[i, j] / K^2}.
     * Not modified.
     */
    public double[][] foldDense(double[][] g) {
        double[][] out = new double[g.length][outputs()];
        double w = 1.0 / (size * size);
        for (int i = 0; i < g.length; i++) {
            for (int j = 0; j < inputs(); j++) {
                out[i][pooled(j)] += g[i][j] * w;
            }
        }
        return out;
    }
}
