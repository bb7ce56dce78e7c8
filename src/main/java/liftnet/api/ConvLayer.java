package liftnet.api;

/**
 * A convolutional weight layer: {@code filters} kernels of {@code channels x kernel x kernel} applied with stride
 * {@code stride} and 'same' zero padding {@code kernel / 2} to an input image {@code [channels, height, width]},
 * giving the output image {@code [filters, ceil(height / stride), ceil(width / stride)]}, plus one bias per filter.
 * Images are flattened channel-major, {@code (c, y, x) -> (c * height + y) * width + x}, as PyTorch does; the kernel
 * {@code K[f, c, dy, dx]} is row-major {@code [filters, channels, kernel, kernel]}. As a linear map,
 * <pre>
 * (W z)[f, oy, ox] = sum_{c, dy, dx} K[f, c, dy, dx] z[c, oy * stride + dy - pad, ox * stride + dx - pad]
 * </pre>
 * with {@code z} zero outside the image. For an odd {@code K} the window is centred; an even {@code K} (still
 * {@code pad = K / 2}) covers {@code K / 2} rows and columns before the centre and {@code K / 2 - 1} after it, e.g.
 * {@code k4} reads {@code y - 2 .. y + 1} (the output keeps the size {@code ceil(H / S)}). A kernel wider than
 * {@code 2H - 1} would hold weights that never read the image and is refused.
 *
 * @param channels input channels {@code C}
 * @param height   input height {@code H}
 * @param width    input width {@code W}
 * @param filters  output channels {@code F}
 * @param kernel   kernel side {@code K}
 * @param stride   stride {@code S}, at most the input's height and width
 */
public record ConvLayer(int channels, int height, int width, int filters, int kernel, int stride) {

    public ConvLayer {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("the input image " + channels + "x" + height + "x" + width
                    + " must have positive sizes, e.g. 1x28x28");
        }
        if (filters < 1) {
            throw new IllegalArgumentException("c" + filters + ": a convolution needs at least 1 filter, e.g. c16k5");
        }
        if (kernel < 1) {
            throw new IllegalArgumentException("k" + kernel + ": the kernel size must be at least 1, e.g. c16k5");
        }
        if (stride < 1) {
            throw new IllegalArgumentException("s" + stride + ": the stride must be at least 1, e.g. c16k5s2");
        }
        int side = Math.min(height, width);
        if (kernel > 2 * side - 1) {
            throw new IllegalArgumentException("k" + kernel + ": a " + kernel + "x" + kernel + " kernel on the " + height + "x"
                    + width + " map has weights that can never read it (k" + (2 * side - 1) + " = 2x" + side
                    + "-1 already reaches the whole map from every position); use at most k" + (2 * side - 1));
        }
        if (stride > Math.min(height, width)) {
            throw new IllegalArgumentException("s" + stride + ": the stride is larger than the " + height + "x" + width
                    + " map it applies to; use at most s" + Math.min(height, width));
        }
    }

    /** Zero padding on each side, {@code kernel / 2}. */
    public int pad() {
        return kernel / 2;
    }

    /** Output height {@code ceil(height / stride)}. */
    public int outHeight() {
        return (height + stride - 1) / stride;
    }

    /** Output width {@code ceil(width / stride)}. */
    public int outWidth() {
        return (width + stride - 1) / stride;
    }

    /** Input units {@code C H W}. */
    public int inputs() {
        return channels * height * width;
    }

    /** Output units {@code F H' W'}. */
    public int outputs() {
        return filters * outHeight() * outWidth();
    }

    /** Weights of one filter, {@code C K K}: the fan-in of every output unit. */
    public int fanIn() {
        return channels * kernel * kernel;
    }

    /** Number of kernel weights, {@code F C K K}. */
    public int weightCount() {
        return filters * fanIn();
    }

    /** The tensor shape of the kernel, {@code [F, C, K, K]}. */
    public int[] weightShape() {
        return new int[] {filters, channels, kernel, kernel};
    }

    /** The layer's token in a net spec, {@code c<F>k<K>} with {@code s<S>} when the stride is not 1. */
    public String token() {
        return "c" + filters + "k" + kernel + (stride == 1 ? "" : "s" + stride);
    }

    /** The input image as {@code CxHxW}. */
    public String inputShape() {
        return channels + "x" + height + "x" + width;
    }

    /** The output image as {@code FxH'xW'}. */
    public String outputShape() {
        return filters + "x" + outHeight() + "x" + outWidth();
    }

    /**
     * The layer as a dense row-major {@code [outputs x inputs]} matrix, for references and tests:
     * {@code M[(f, oy, ox), (c, y, x)] = K[f, c, y - oy * stride + pad, x - ox * stride + pad]} where the kernel index
     * is in range, else 0.
     *
     * @param kernelWeights {@code K}, {@code [F, C, K, K]}; not modified
     */
    public double[][] toDense(float[] kernelWeights) {
        int oh = outHeight();
        int ow = outWidth();
        double[][] m = new double[outputs()][inputs()];
        for (int f = 0; f < filters; f++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double[] row = m[(f * oh + oy) * ow + ox];
                    for (int c = 0; c < channels; c++) {
                        for (int dy = 0; dy < kernel; dy++) {
                            int y = oy * stride + dy - pad();
                            for (int dx = 0; dx < kernel; dx++) {
                                int x = ox * stride + dx - pad();
                                if (y >= 0 && y < height && x >= 0 && x < width) {
                                    row[(c * height + y) * width + x] = kernelWeights[((f * channels + c) * kernel + dy) * kernel + dx];
                                }
                            }
                        }
                    }
                }
            }
        }
        return m;
    }

    /**
     * The adjoint of {@link #toDense}: the gradient with respect to the kernel of a loss whose gradient with respect to
     * the dense matrix is {@code g [outputs x inputs]}, {@code gK[f, c, dy, dx] = sum_{oy, ox} g[(f, oy, ox), (c, y, x)]}
     * over the positions where {@code (y, x)} is inside the image. Not modified.
     */
    public double[] foldDense(double[][] g) {
        int oh = outHeight();
        int ow = outWidth();
        double[] out = new double[weightCount()];
        for (int f = 0; f < filters; f++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double[] row = g[(f * oh + oy) * ow + ox];
                    for (int c = 0; c < channels; c++) {
                        for (int dy = 0; dy < kernel; dy++) {
                            int y = oy * stride + dy - pad();
                            for (int dx = 0; dx < kernel; dx++) {
                                int x = ox * stride + dx - pad();
                                if (y >= 0 && y < height && x >= 0 && x < width) {
                                    out[((f * channels + c) * kernel + dy) * kernel + dx] += row[(c * height + y) * width + x];
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }
}
