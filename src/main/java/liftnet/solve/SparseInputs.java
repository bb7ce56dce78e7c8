package liftnet.solve;

/**
 * A data set's inputs in compressed sparse rows: sample {@code i}'s non-zero inputs are
 * {@code index[start[i] .. start[i+1])} with values {@code value[...]}, in increasing index order. MNIST images
 * are about 80% zeros, so the first layer's pre-activations cost a fifth of the dense product and no
 * unpredictable branches. Built once per data set; read-only afterwards.
 */
public final class SparseInputs {

    final int[] start;
    final int[] index;
    final float[] value;

    private SparseInputs(int[] start, int[] index, float[] value) {
        this.start = start;
        this.index = index;
        this.value = value;
    }

    /** The non-zeros of {@code x}, row-major {@code [count x width]}; {@code x} is not modified. */
    public static SparseInputs of(float[] x, int count, int width) {
        int[] start = new int[count + 1];
        int nonZero = 0;
        for (float v : x) {
            if (v != 0f) {
                nonZero++;
            }
        }
        int[] index = new int[nonZero];
        float[] value = new float[nonZero];
        int n = 0;
        for (int i = 0; i < count; i++) {
            start[i] = n;
            for (int j = 0, o = i * width; j < width; j++) {
                float v = x[o + j];
                if (v != 0f) {
                    index[n] = j;
                    value[n++] = v;
                }
            }
        }
        start[count] = n;
        return new SparseInputs(start, index, value);
    }
}
