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

    /**
     * {@code n} samples drawn uniformly without replacement with {@code seed}, kept in their order in this set (all of
     * it when {@code n >= count}). Unlike {@link #head(int)} it does not inherit an ordering of the file: MNIST's test
     * set, for one, puts its easier half first.
     */
    public Dataset sample(int n, long seed) {
        if (n >= count) {
            return this;
        }
        int[] pick = new int[count];
        for (int i = 0; i < count; i++) {
            pick[i] = i;
        }
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            int j = i + random.nextInt(count - i);
            int t = pick[i];
            pick[i] = pick[j];
            pick[j] = t;
        }
        int[] rows = java.util.Arrays.copyOf(pick, n);
        java.util.Arrays.sort(rows);
        float[] x = new float[n * width];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(inputs, rows[i] * width, x, i * width, width);
            y[i] = labels[rows[i]];
        }
        return new Dataset(name + "[" + n + " drawn, seed " + seed + "]", n, width, classes, x, y);
    }
}
