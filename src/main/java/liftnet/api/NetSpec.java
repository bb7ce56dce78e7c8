package liftnet.api;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Layer widths of a lifted network, {@code n_0 - n_1 - ... - n_L}: {@code n_0} inputs, {@code n_L}
 * outputs, {@code L} weight layers. Immutable; the array is copied on the way in and out.
 *
 * @param widths the widths, at least two, each positive
 */
public record NetSpec(int[] widths) {

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
    }

    /**
     * Parses {@code "784-64-64-10"}.
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
        for (int k = 0; k < parts.length; k++) {
            int width;
            try {
                width = Integer.parseInt(parts[k].trim());
            } catch (NumberFormatException e) {
                width = -1;
            }
            if (width <= 0) {
                throw new IllegalArgumentException("net " + text + ": layer " + k + " ('" + parts[k]
                        + "') is not a positive integer; expected e.g. 784-64-64-64-10");
            }
            widths[k] = width;
        }
        return new NetSpec(widths);
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

    /** Number of trainable parameters, weights and biases. */
    public long parameterCount() {
        long count = 0;
        for (int k = 0; k < layers(); k++) {
            count += (long) widths[k + 1] * widths[k] + widths[k + 1];
        }
        return count;
    }

    /** The net with only input and output layers, as used by linear regression. */
    public NetSpec inputToOutput() {
        return new NetSpec(new int[] {inputs(), outputs()});
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NetSpec other && Arrays.equals(widths, other.widths);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(widths);
    }

    @Override
    public String toString() {
        return Arrays.stream(widths).mapToObj(Integer::toString).collect(Collectors.joining("-"));
    }
}
