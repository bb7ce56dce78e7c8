package liftnet.solve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The blocked and sparse kernels against plain double-precision loops, at sizes that exercise every remainder
 * path: row ranges that are not multiples of the register block, columns that are not a multiple of four
 * vectors, input blocks with no non-zeros and a last block that is only partly filled.
 */
class VectorKernelsTest {

    /** Float sums in another order than the double reference: relative to the sum of magnitudes. */
    private static final double TOLERANCE = 1e-5;

    private final SplittableRandom random = new SplittableRandom(7);

    @Test
    void accumulateOuterMatchesTheSumOfOuterProducts() {
        int rows = 7;
        int inStride = 48;
        for (int cols : new int[] {VectorKernels.PAD, 5 * VectorKernels.PAD}) {
            float[] inA = sparseish(rows * inStride);
            float[] inB = sparseish(rows * inStride);
            float[] va = dense(rows * cols);
            float[] vb = dense(rows * cols);
            float[] g = dense(inStride * cols);
            float[] start = g.clone();
            int p0 = 3;
            int p1 = 42;
            VectorKernels.accumulateOuter(inA, va, -0.5f, inB, vb, 0.25f, inStride, rows, cols, g, p0, p1);
            for (int p = 0; p < inStride; p++) {
                for (int c = 0; c < cols; c++) {
                    double expected = start[p * cols + c];
                    double magnitude = Math.abs(expected);
                    if (p >= p0 && p < p1) {
                        for (int r = 0; r < rows; r++) {
                            double a = -0.5 * inA[r * inStride + p] * va[r * cols + c];
                            double b = 0.25 * inB[r * inStride + p] * vb[r * cols + c];
                            expected += a + b;
                            magnitude += Math.abs(a) + Math.abs(b);
                        }
                    }
                    assertEquals(expected, g[p * cols + c], TOLERANCE * (1 + magnitude), "g[" + p + ", " + c + "], cols " + cols);
                }
            }
        }
    }

    @Test
    void accumulateOuterWithoutSecondPairUsesOnlyTheFirst() {
        int rows = 5;
        int cols = VectorKernels.PAD;
        float[] in = dense(rows * 8);
        float[] v = dense(rows * cols);
        float[] g = new float[8 * cols];
        VectorKernels.accumulateOuter(in, v, 2f, null, null, 0f, 8, rows, cols, g, 0, 8);
        for (int p = 0; p < 8; p++) {
            for (int c = 0; c < cols; c++) {
                double expected = 0;
                for (int r = 0; r < rows; r++) {
                    expected += 2.0 * in[r * 8 + p] * v[r * cols + c];
                }
                assertEquals(expected, g[p * cols + c], TOLERANCE * (1 + Math.abs(expected)));
            }
        }
    }

    @Test
    void sparseKernelsMatchTheDenseProducts() {
        int count = 9;
        int width = 2 * SparseInputs.BLOCK_WIDTH + 6;
        float[] x = new float[count * width];
        for (int i = 0; i < x.length; i++) {
            // sample 4 has no non-zero at all; the others are about 30% non-zero, none in the second block of sample 2
            boolean empty = i / width == 4 || (i / width == 2 && i % width >= SparseInputs.BLOCK_WIDTH
                    && i % width < 2 * SparseInputs.BLOCK_WIDTH);
            x[i] = !empty && random.nextDouble() < 0.3 ? (float) random.nextDouble() : 0f;
        }
        SparseInputs sparse = SparseInputs.of(x, count, width);
        int cols = 5 * VectorKernels.PAD;
        float[] m = dense(width * cols);
        float[] bias = dense(cols);

        float[] out = new float[count * cols];
        for (int s = 0; s < count; s++) {
            VectorKernels.sparseRowTimesMatrix(sparse.index, sparse.value, sparse.start[s], sparse.start[s + 1], m, cols,
                    bias, out, s * cols);
            for (int c = 0; c < cols; c++) {
                double expected = bias[c];
                for (int j = 0; j < width; j++) {
                    expected += (double) x[s * width + j] * m[j * cols + c];
                }
                assertEquals(expected, out[s * cols + c], TOLERANCE * (1 + Math.abs(expected)), "sample " + s + ", column " + c);
            }
        }

        int[] sampleOfRow = {8, 2, 4, 0, 5, 2};
        float[] va = dense(sampleOfRow.length * cols);
        float[] vb = dense(sampleOfRow.length * cols);
        float[] g = new float[width * cols];
        int blocks = (width + SparseInputs.BLOCK_WIDTH - 1) / SparseInputs.BLOCK_WIDTH;
        for (int block = 0; block < blocks; block++) {
            VectorKernels.accumulateSparseInput(sparse, sampleOfRow, block, va, vb, 0.5f, sampleOfRow.length, cols, g);
        }
        for (int j = 0; j < width; j++) {
            for (int c = 0; c < cols; c++) {
                double expected = 0;
                for (int r = 0; r < sampleOfRow.length; r++) {
                    expected += 0.5 * x[sampleOfRow[r] * width + j] * (va[r * cols + c] - vb[r * cols + c]);
                }
                assertEquals(expected, g[j * cols + c], TOLERANCE * (1 + Math.abs(expected)), "g[" + j + ", " + c + "]");
            }
        }
    }

    private float[] dense(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }

    /** Half zeros, like ReLU activations. */
    private float[] sparseish(int n) {
        float[] v = dense(n);
        for (int i = 0; i < n; i++) {
            if (random.nextBoolean()) {
                v[i] = 0f;
            }
        }
        return v;
    }

    /** Counting and masking by {@code lo < x < hi} agree with the scalar test on bounds, infinities, NaN and tails. */
    @Test
    void insideTestsMatchTheScalarDefinition() {
        float[] specials = {0f, -0f, 1f, 0.5f, -1e-7f, 1e-7f, 1.0000001f, Float.NaN, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, 3f, -2f};
        float[] x = new float[5 * VectorKernels.LANES + 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = i % 3 == 0 ? specials[i % specials.length] : (float) (random.nextDouble() * 3 - 1);
        }
        float[][] bounds = {{0f, 1f}, {0f, Float.POSITIVE_INFINITY}, {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY}};
        for (float[] b : bounds) {
            for (int o : new int[] {0, 1}) {
                for (int n : new int[] {0, 3, VectorKernels.LANES, x.length - o}) {
                    int count = 0;
                    float[] v = dense(x.length);
                    float[] expected = v.clone();
                    for (int i = o; i < o + n; i++) {
                        boolean inside = x[i] > b[0] && x[i] < b[1];
                        count += inside ? 1 : 0;
                        expected[i] = inside ? v[i] : 0f;
                    }
                    String what = "(" + b[0] + ", " + b[1] + ") from " + o + ", " + n + " entries";
                    assertEquals(count, VectorKernels.countInside(x, o, n, b[0], b[1]), what);
                    VectorKernels.zeroOutside(v, x, o, n, b[0], b[1]);
                    for (int i = 0; i < v.length; i++) {
                        assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(v[i]), what + " [" + i + "]");
                    }
                }
            }
        }
    }
}
