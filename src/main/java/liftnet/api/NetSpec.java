package liftnet.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Layers of a lifted network, {@code n_0 - n_1 - ... - n_L}: {@code n_0} inputs, {@code n_L} outputs, {@code L}
 * weight layers. Weight layer {@code k} maps {@code n_k} units to {@code n_{k+1}}; the first {@code convs().size()}
 * of them may be convolutions ({@link ConvLayer}), the rest are dense. The widths are always the flattened layer
 * sizes (a convolution's {@code F H' W'}), so code that only needs sizes treats every net alike. Immutable; the
 * array is copied on the way in and out.
 *
 * <p>Text form: {@code 784-64-64-64-10} (dense), or an input image {@code CxHxW} followed by convolutions
 * {@code c<F>k<K>[s<S>]}, each optionally followed by average pooling {@code p<K>}, and then dense widths, e.g.
 * {@code 1x28x28-c16k5s2-c32k3s2-64-10} or {@code 3x32x32-c16k3-p2-c32k3-p2-10}. An image input without
 * convolutions is a dense net ({@code 1x28x28-64-10} is {@code 784-64-10}).
 *
 * <p>Pooling ({@link Pooling}) is linear and makes no layer of units: the widths stay the convolutions' outputs, and
 * the weight layer {@code k} after a pooled convolution maps {@code z_k} by {@code W_k P_k}, where {@code W_k} acts on
 * the pooled image ({@link #pooledWidth(int)} inputs: a convolution reads the pooled image, a dense layer has
 * {@code [n_{k+1}, pooledWidth(k)]} weights).
 *
 * @param widths the widths, at least two, each positive
 * @param convs  the convolutions of weight layers {@code 0 .. convs.size()-1}, each mapping the previous one's output
 *               image (pooled where {@code pools} says so); empty for a dense net
 * @param pools  per weight layer {@code k}, the size of the average pooling applied to its input {@code z_k} (1: none;
 *               above 1 only after a convolution, {@code k >= 1}); {@code null} for none anywhere
 */
public record NetSpec(int[] widths, List<ConvLayer> convs, int[] pools) {

    public NetSpec {
        if (widths == null || widths.length < 2) {
            throw new IllegalArgumentException("a net needs at least an input and an output layer, e.g. 784-64-10; found "
                    + (widths == null ? "nothing" : Arrays.toString(widths)));
        }
        widths = widths.clone();
        for (int k = 0; k < widths.length; k++) {
            if (widths[k] <= 0) {
                throw new IllegalArgumentException("layer " + k + " has width " + widths[k] + "; widths must be positive");
            }
        }
        convs = convs == null ? List.of() : List.copyOf(convs);
        if (convs.size() >= widths.length - 1 && !convs.isEmpty()) {
            throw new IllegalArgumentException("the last layer must be dense (the outputs, e.g. -10); found "
                    + convs.size() + " convolutions in " + (widths.length - 1) + " weight layers");
        }
        if (pools == null) {
            pools = new int[widths.length - 1];
            Arrays.fill(pools, 1);
        } else {
            pools = pools.clone();
        }
        if (pools.length != widths.length - 1) {
            throw new IllegalArgumentException("pools must give one size per weight layer (" + (widths.length - 1)
                    + "); found " + pools.length);
        }
        for (int k = 0; k < pools.length; k++) {
            if (pools[k] < 1) {
                throw new IllegalArgumentException("p" + pools[k] + ": the pooling size must be at least 1, e.g. p2");
            }
            if (pools[k] > 1 && (k == 0 || k > convs.size())) {
                throw new IllegalArgumentException("p" + pools[k] + " (before weight layer " + k + ") must follow a"
                        + " convolution; average pooling pools a convolution's output, e.g. 1x28x28-c16k3-p2-64-10");
            }
            if (pools[k] > 1) {
                ConvLayer before = convs.get(k - 1);
                new Pooling(before.filters(), before.outHeight(), before.outWidth(), pools[k]);
            }
        }
        for (int k = 0; k < convs.size(); k++) {
            ConvLayer c = convs.get(k);
            int in = pools[k] > 1 ? widths[k] / (pools[k] * pools[k]) : widths[k];
            if (c.inputs() != in || c.outputs() != widths[k + 1]) {
                throw new IllegalArgumentException("convolution " + k + " (" + c.inputShape() + " -> " + c.outputShape()
                        + ") does not map width " + in + " to " + widths[k + 1]);
            }
            if (k > 0) {
                ConvLayer before = convs.get(k - 1);
                int s = pools[k];
                if (before.filters() != c.channels() || before.outHeight() / s != c.height() || before.outWidth() / s != c.width()) {
                    throw new IllegalArgumentException("convolution " + k + " reads " + c.inputShape()
                            + " but convolution " + (k - 1) + " gives " + before.outputShape()
                            + (s > 1 ? ", pooled by " + s : ""));
                }
            }
        }
    }

    /** A dense net of these widths. */
    public NetSpec(int[] widths) {
        this(widths, List.of(), null);
    }

    /** A net of these widths and convolutions, without pooling. */
    public NetSpec(int[] widths, List<ConvLayer> convs) {
        this(widths, convs, null);
    }

    /**
     * Parses {@code "784-64-64-10"}, {@code "1x28x28-c16k5s2-c32k3s2-64-10"} or {@code "3x32x32-c16k3-p2-c32k3-p2-10"}.
     *
     * @throws IllegalArgumentException naming the offending part and an example of the expected form
     */
    public static NetSpec parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("net is empty; expected widths joined by '-', e.g. 784-64-64-64-10");
        }
        String[] parts = text.trim().split("-", -1);
        if (parts.length < 2) {
            throw new IllegalArgumentException("net " + text + ": needs at least an input and an output width joined by '-', e.g. 784-64-10");
        }
        List<Integer> widths = new ArrayList<>();
        List<Integer> pools = new ArrayList<>();
        List<ConvLayer> convs = new ArrayList<>();
        int[] image = null;
        // whether the previous part was a convolution, which a pooling may follow
        boolean afterConv = false;
        int pending = 1;
        String first = parts[0].trim();
        int from = 0;
        if (first.contains("x")) {
            image = parseImage(text, first);
            widths.add(image[0] * image[1] * image[2]);
            from = 1;
        }
        for (int k = from; k < parts.length; k++) {
            String part = parts[k].trim();
            if (isPoolingWord(part)) {
                int size = parsePooling(text, k, part);
                if (!afterConv) {
                    throw new IllegalArgumentException("net " + text + ": layer " + k + " ('" + part + "') must follow a"
                            + " convolution: average pooling pools a convolution's output map, e.g. 1x28x28-c16k3-p2-64-10");
                }
                if (k == parts.length - 1) {
                    throw new IllegalArgumentException("net " + text + ": the last layer '" + part
                            + "' must be the number of outputs, e.g. ...-p2-10");
                }
                Pooling pool;
                try {
                    pool = new Pooling(image[0], image[1], image[2], size);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("net " + text + ": layer " + k + " ('" + part + "'): " + e.getMessage());
                }
                pending = size;
                image = new int[] {pool.channels(), pool.outHeight(), pool.outWidth()};
                afterConv = false;
                continue;
            }
            if (part.startsWith("c")) {
                if (image == null) {
                    throw new IllegalArgumentException("net " + text + ": convolution '" + part + "' (layer " + k + ") needs an image"
                            + " before it: give the input as CxHxW and put convolutions before the dense layers, e.g. 1x28x28-c16k5s2-64-10");
                }
                if (k == parts.length - 1) {
                    throw new IllegalArgumentException("net " + text + ": the last layer '" + part
                            + "' must be the number of outputs, e.g. ...-64-10");
                }
                ConvLayer c;
                try {
                    int[] fks = parseConv(part);
                    c = new ConvLayer(image[0], image[1], image[2], fks[0], fks[1], fks[2]);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("net " + text + ": layer " + k + " ('" + part + "'): " + e.getMessage());
                }
                convs.add(c);
                pools.add(pending);
                pending = 1;
                widths.add(c.outputs());
                image = new int[] {c.filters(), c.outHeight(), c.outWidth()};
                afterConv = true;
                continue;
            }
            int width;
            try {
                width = Integer.parseInt(part);
            } catch (NumberFormatException e) {
                width = -1;
            }
            if (width <= 0) {
                throw new IllegalArgumentException("net " + text + ": layer " + k + " ('" + parts[k]
                        + "') is not a positive integer" + (image == null ? "" : " or a convolution c<F>k<K>[s<S>]")
                        + "; expected e.g. 784-64-64-64-10 or 1x28x28-c16k5s2-c32k3s2-64-10");
            }
            if (widths.isEmpty()) {
                widths.add(width);
            } else {
                pools.add(pending);
                pending = 1;
                widths.add(width);
            }
            image = null;
            afterConv = false;
        }
        return new NetSpec(widths.stream().mapToInt(Integer::intValue).toArray(), convs,
                pools.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * Whether {@code part} is meant as a pooling layer: {@code p<K>}, or a word for max or other pooling ({@code m2},
     * {@code max2}, {@code maxpool2}, {@code pool2}, {@code avg2}, {@code mp2}, {@code ap2}), which {@link #parsePooling}
     * refuses.
     */
    private static boolean isPoolingWord(String part) {
        String p = part.toLowerCase(java.util.Locale.ROOT);
        return p.matches("(p|m|mp|ap|max|maxpool|maxpooling|pool|pooling|avg|avgpool|average|mean|meanpool)[0-9]*"
                + "(x[0-9]+)?(s[0-9]+)?");
    }

    /** The size {@code K} of {@code p<K>}, {@code K >= 2}; any other pooling word is refused. */
    private static int parsePooling(String text, int k, String part) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("p([0-9]+)").matcher(part);
        if (!m.matches()) {
            throw new IllegalArgumentException("net " + text + ": layer " + k + " ('" + part + "') is not a layer:"
                    + " max pooling is not linear (the lifted energy would no longer be a convex quadratic per layer),"
                    + " so the one pooling is average pooling p<K> (K x K windows), e.g. 1x28x28-c16k3-p2-64-10");
        }
        int size;
        try {
            size = Integer.parseInt(m.group(1));
        } catch (NumberFormatException e) {
            size = Integer.MAX_VALUE;
        }
        if (size < 2) {
            throw new IllegalArgumentException("net " + text + ": layer " + k + " ('" + part + "'): p" + size
                    + " pools nothing; average pooling needs windows of at least 2 x 2, e.g. p2");
        }
        return size;
    }

    /** {@code CxHxW} as three positive ints. */
    private static int[] parseImage(String text, String part) {
        String[] dims = part.split("x", -1);
        int[] out = new int[3];
        boolean ok = dims.length == 3;
        for (int i = 0; ok && i < 3; i++) {
            try {
                out[i] = Integer.parseInt(dims[i]);
            } catch (NumberFormatException e) {
                out[i] = -1;
            }
            ok = out[i] > 0;
        }
        if (!ok) {
            throw new IllegalArgumentException("net " + text + ": the input '" + part
                    + "' is not an image CxHxW of positive sizes; expected e.g. 1x28x28-c16k5s2-64-10");
        }
        return out;
    }

    /** {@code c<F>k<K>[s<S>]} as {F, K, S}. */
    private static int[] parseConv(String part) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("c(\\d+)k(\\d+)(?:s(\\d+))?").matcher(part);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a convolution c<F>k<K>[s<S>] (F filters of K x K, stride S), e.g. c16k5s2");
        }
        try {
            return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    m.group(3) == null ? 1 : Integer.parseInt(m.group(3))};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a number is too large; expected e.g. c16k5s2");
        }
    }

    @Override
    public int[] widths() {
        return widths.clone();
    }

    /** Number of weight layers {@code L}. */
    public int layers() {
        return widths.length - 1;
    }

    /** Width {@code n_k} of layer {@code k}, {@code 0 <= k <= L}. */
    public int width(int k) {
        return widths[k];
    }

    public int inputs() {
        return widths[0];
    }

    public int outputs() {
        return widths[widths.length - 1];
    }

    /** Number of hidden layers, {@code L - 1}. */
    public int hiddenLayers() {
        return widths.length - 2;
    }

    /** Largest width over all layers. */
    public int maxWidth() {
        return Arrays.stream(widths).max().orElseThrow();
    }

    /** Whether some weight layer is a convolution. */
    public boolean hasConv() {
        return !convs.isEmpty();
    }

    /** The convolution of weight layer {@code k}, or {@code null} when that layer is dense. */
    public ConvLayer conv(int k) {
        return k < convs.size() ? convs.get(k) : null;
    }

    /** Whether some weight layer pools its input. */
    public boolean hasPooling() {
        return Arrays.stream(pools).anyMatch(s -> s > 1);
    }

    /**
     * The average pooling weight layer {@code k} applies to its input {@code z_k} before its own map (the pooling of
     * convolution {@code k-1}'s output), or {@code null} when it reads {@code z_k} as it is.
     */
    public Pooling pooling(int k) {
        if (pools[k] == 1) {
            return null;
        }
        ConvLayer before = convs.get(k - 1);
        return new Pooling(before.filters(), before.outHeight(), before.outWidth(), pools[k]);
    }

    /** The inputs of weight layer {@code k}'s own map: {@code n_k}, or the pooled size when it pools {@code z_k}. */
    public int pooledWidth(int k) {
        return pools[k] == 1 ? widths[k] : widths[k] / (pools[k] * pools[k]);
    }

    /** The pooling size of each weight layer's input joined by ',', e.g. {@code 1,2,1} (1: none). */
    public String poolSizes() {
        return Arrays.stream(pools).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    @Override
    public int[] pools() {
        return pools.clone();
    }

    /**
     * Number of weights of layer {@code k}: {@code n_{k+1} n_k} (dense; {@code n_k} pooled where it pools) or
     * {@code F C K K} (convolution).
     */
    public int weightCount(int k) {
        ConvLayer c = conv(k);
        return c != null ? c.weightCount() : widths[k + 1] * pooledWidth(k);
    }

    /** Number of biases of layer {@code k}: {@code n_{k+1}} (dense) or {@code F} (convolution). */
    public int biasCount(int k) {
        ConvLayer c = conv(k);
        return c != null ? c.filters() : widths[k + 1];
    }

    /** Inputs of one unit of layer {@code k+1}: {@code n_k} (dense; pooled where it pools) or {@code C K K} (convolution). */
    public int fanIn(int k) {
        ConvLayer c = conv(k);
        return c != null ? c.fanIn() : pooledWidth(k);
    }

    /**
     * Tensor shape of {@code W_k}: {@code [n_{k+1}, n_k]} (dense; {@code [n_{k+1}, pooledWidth(k)]} after a pooled
     * convolution) or {@code [F, C, K, K]} (convolution).
     */
    public int[] weightShape(int k) {
        ConvLayer c = conv(k);
        return c != null ? c.weightShape() : new int[] {widths[k + 1], pooledWidth(k)};
    }

    /** The kind of each weight layer joined by ',', e.g. {@code conv,conv,dense,dense}. */
    public String layerKinds() {
        List<String> kinds = new ArrayList<>();
        for (int k = 0; k < layers(); k++) {
            kinds.add(conv(k) != null ? "conv" : "dense");
        }
        return String.join(",", kinds);
    }

    /** Number of trainable parameters, weights and biases. */
    public long parameterCount() {
        long count = 0;
        for (int k = 0; k < layers(); k++) {
            count += (long) weightCount(k) + biasCount(k);
        }
        return count;
    }

    /** The dense net with only input and output layers, as used by linear regression. */
    public NetSpec inputToOutput() {
        return new NetSpec(new int[] {inputs(), outputs()});
    }

    @Override
    public List<ConvLayer> convs() {
        return convs;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NetSpec other && Arrays.equals(widths, other.widths) && convs.equals(other.convs)
                && Arrays.equals(pools, other.pools);
    }

    @Override
    public int hashCode() {
        return (Arrays.hashCode(widths) * 31 + convs.hashCode()) * 31 + Arrays.hashCode(pools);
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (int k = 0; k < widths.length; k++) {
            ConvLayer c = k < convs.size() ? convs.get(k) : null;
            if (k == 0 && c != null) {
                parts.add(c.inputShape());
            } else if (k > 0 && conv(k - 1) != null) {
                parts.add(conv(k - 1).token());
                if (k < pools.length && pools[k] > 1) {
                    parts.add("p" + pools[k]);
                }
            } else {
                parts.add(Integer.toString(widths[k]));
            }
        }
        return parts.stream().collect(Collectors.joining("-"));
    }
}
