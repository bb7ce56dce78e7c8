package liftnet.data;

/**
 * Labelled samples held in memory: {@code inputs} is row-major {@code [count x width]} with values in
 * {@code [0, 1]} (pixel / 255), {@code labels[i]} in {@code [0, classes)}. The arrays are shared, not
 * copied: treat them as read-only.
 *
 * @param name    e.g. {@code mnist/train}
 * @param count   number of samples
 * @param width   inputs per sample
 * @param classes number of classes (one-hot target width)
 * @param inputs  {@code [count x width]}, not modified by anyone
 * @param labels  {@code [count]}, not modified by anyone
 */
public record Dataset(String name, int count, int width, int classes, float[] inputs, int[] labels) {

    public Dataset {
        if (count < 0 || width <= 0 || classes <= 0) {
            throw new IllegalArgumentException(name + ": bad shape count=" + count + " width=" + width + " classes=" + classes);
        }
        if (inputs.length != (long) count * width) {
            throw new IllegalArgumentException(name + ": inputs hold " + inputs.length + " values, expected " + count + " x " + width);
        }
        if (labels.length != count) {
            throw new IllegalArgumentException(name + ": " + labels.length + " labels for " + count + " samples");
        }
        for (int i = 0; i < count; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException(name + ": label " + labels[i] + " of sample " + i + " is outside [0, " + classes + ")");
            }
        }
    }

    /** The first {@code n} samples (shares nothing mutable: copies the arrays' prefixes). */
    public Dataset head(int n) {
        if (n >= count) {
            return this;
        }
        float[] x = java.util.Arrays.copyOf(inputs, n * width);
        int[] y = java.util.Arrays.copyOf(labels, n);
        return new Dataset(name + "[:" + n + "]", n, width, classes, x, y);
    }
}
