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
 * {@code c<F>k<K>[s<S>]} and then dense widths, e.g. {@code 1x28x28-c16k5s2-c32k3s2-64-10}. An image input without
 * convolutions is a dense net ({@code 1x28x28-64-10} is {@code 784-64-10}).
 *
 * @param widths the widths, at least two, each positive
 * @param convs  the convolutions of weight layers {@code 0 .. convs.size()-1}, each mapping the previous one's output
 *               image; empty for a dense net
 */
public record NetSpec(int[] widths, List<ConvLayer> convs) {

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
        for (int k = 0; k < convs.size(); k++) {
            ConvLayer c = convs.get(k);
            if (c.inputs() != widths[k] || c.outputs() != widths[k + 1]) {
                throw new IllegalArgumentException("convolution " + k + " (" + c.inputShape() + " -> " + c.outputShape()
                        + ") does not map width " + widths[k] + " to " + widths[k + 1]);
            }
            if (k > 0) {
                ConvLayer before = convs.get(k - 1);
                if (before.filters() != c.channels() || before.outHeight() != c.height() || before.outWidth() != c.width()) {
                    throw new IllegalArgumentException("convolution " + k + " reads " + c.inputShape()
                            + " but convolution " + (k - 1) + " gives " + before.outputShape());
                }
            }
        }
    }

    /** A dense net of these widths. */
    public NetSpec(int[] widths) {
        this(widths, List.of());
    }

    /**
     * Parses {@code "784-64-64-10"} or {@code "1x28x28-c16k5s2-c32k3s2-64-10"}.
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
        int[] widths = new int[parts.length];
        List<ConvLayer> convs = new ArrayList<>();
        int[] image = null;
        String first = parts[0].trim();
        if (first.contains("x")) {
            image = parseImage(text, first);
            widths[0] = image[0] * image[1] * image[2];
        }
        for (int k = image == null ? 0 : 1; k < parts.length; k++) {
            String part = parts[k].trim();
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
                widths[k] = c.outputs();
                image = new int[] {c.filters(), c.outHeight(), c.outWidth()};
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
            widths[k] = width;
            image = null;
        }
        return new NetSpec(widths, convs);
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

    /** Number of weights of layer {@code k}: {@code n_{k+1} n_k} (dense) or {@code F C K K} (convolution). */
    public int weightCount(int k) {
        ConvLayer c = conv(k);
        return c != null ? c.weightCount() : widths[k + 1] * widths[k];
    }

    /** Number of biases of layer {@code k}: {@code n_{k+1}} (dense) or {@code F} (convolution). */
    public int biasCount(int k) {
        ConvLayer c = conv(k);
        return c != null ? c.filters() : widths[k + 1];
    }

    /** Inputs of one unit of layer {@code k+1}: {@code n_k} (dense) or {@code C K K} (convolution). */
    public int fanIn(int k) {
        ConvLayer c = conv(k);
        return c != null ? c.fanIn() : widths[k];
    }

    /** Tensor shape of {@code W_k}: {@code [n_{k+1}, n_k]} (dense) or {@code [F, C, K, K]} (convolution). */
    public int[] weightShape(int k) {
        ConvLayer c = conv(k);
        return c != null ? c.weightShape() : new int[] {widths[k + 1], widths[k]};
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
        return o instanceof NetSpec other && Arrays.equals(widths, other.widths) && convs.equals(other.convs);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(widths) * 31 + convs.hashCode();
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
            } else {
                parts.add(Integer.toString(widths[k]));
            }
        }
        return parts.stream().collect(Collectors.joining("-"));
    }
}
