package liftnet.solve;

/**
 * A data set's inputs in compressed sparse rows: sample {@code i}'s non-zero inputs are
 * {@code index[start[i] .. start[i+1])} with values {@code value[...]}, in increasing index order. MNIST images
 * are about 80% zeros, so the first layer's products cost a fifth of the dense ones and no unpredictable
 * branches. Each sample's non-zeros are also indexed by block of {@link #BLOCK_WIDTH} inputs, so the first
 * layer's gradient can be split into blocks of rows without searching. Built once per data set; read-only
 * afterwards.
 */
public final class SparseInputs {

    /** Inputs per block of {@link #blockFrom}/{@link #blockTo}. */
    public static final int BLOCK_WIDTH = 32;

    final int[] start;
    final int[] index;
    final float[] value;
    /** {@code [count x (blocks + 1)]}: the first non-zero of sample {@code i} at input {@code b * BLOCK_WIDTH} or later. */
    private final int[] blockStart;
    private final int blocks;

    private SparseInputs(int[] start, int[] index, float[] value, int[] blockStart, int blocks) {
        this.start = start;
        this.index = index;
        this.value = value;
        this.blockStart = blockStart;
        this.blocks = blocks;
    }

    /** The non-zeros of {@code x}, row-major {@code [count x width]}; {@code x} is not modified. */
    public static SparseInputs of(float[] x, int count, int width) {
        int blocks = (width + BLOCK_WIDTH - 1) / BLOCK_WIDTH;
        int[] start = new int[count + 1];
        int[] blockStart = new int[count * (blocks + 1)];
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
                if (j % BLOCK_WIDTH == 0) {
                    blockStart[i * (blocks + 1) + j / BLOCK_WIDTH] = n;
                }
                float v = x[o + j];
                if (v != 0f) {
                    index[n] = j;
                    value[n++] = v;
                }
            }
            blockStart[i * (blocks + 1) + blocks] = n;
        }
        start[count] = n;
        return new SparseInputs(start, index, value, blockStart, blocks);
    }

    /** Position of the first non-zero of {@code sample} with an input index in block {@code block} or later. */
    public int blockFrom(int sample, int block) {
        return blockStart[sample * (blocks + 1) + block];
    }

    /** End (exclusive) of the non-zeros of {@code sample} in block {@code block}. */
    public int blockTo(int sample, int block) {
        return blockStart[sample * (blocks + 1) + block + 1];
    }
}
