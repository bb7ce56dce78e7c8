package liftnet.solve;

import static liftnet.solve.VectorKernels.LANES;
import static liftnet.solve.VectorKernels.S;

import jdk.incubator.vector.FloatVector;

/**
 * The product every {@link ConvOp} reduces to: a matrix product with the Vector API, register-blocked (four rows of
 * {@code C} by two vectors of columns in registers while the inner dimension streams past, so each load of {@code B}
 * feeds four FMAs and each element of {@code A} two). Every element is one chain of FMAs in the order of the inner
 * index, whatever the blocking and the lane count, so results repeat exactly from run to run and between the
 * AVX2 and AVX-512 builds of the Vector API.
 */
final class OpKernels {

    private OpKernels() {
    }

    /** {@code n} rounded up to a multiple of {@link VectorKernels#LANES}. */
    static int lanes(int n) {
        return (n + LANES - 1) / LANES * LANES;
    }

    /**
     * {@code C = A B} ({@code add}: {@code C += A B}): {@code c[i, j] = fma(a[i, kd-1], b[kd-1, j], ... fma(a[i, 0],
     * b[0, j], c0))} with {@code c0} zero or the old {@code c[i, j]}, for {@code i < m}, {@code j < n}; rows of
     * {@code A}, {@code B}, {@code C} are {@code lda}, {@code ldb}, {@code ldc} apart.
     *
     * @param n a multiple of {@link VectorKernels#LANES}
     * @param c modified in its {@code m x n} block
     */
    static void gemm(float[] a, int ao, int lda, float[] b, int bo, int ldb, float[] c, int co, int ldc, int m, int n,
                     int kd, boolean add) {
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int j = 0;
            for (; j + 2 * LANES <= n; j += 2 * LANES) {
                fourByTwo(a, ao + i * lda, lda, b, bo + j, ldb, c, co + i * ldc + j, ldc, kd, add);
            }
            for (; j < n; j += LANES) {
                fourByOne(a, ao + i * lda, lda, b, bo + j, ldb, c, co + i * ldc + j, ldc, kd, add);
            }
        }
        for (; i < m; i++) {
            for (int j = 0; j < n; j += LANES) {
                oneByOne(a, ao + i * lda, b, bo + j, ldb, c, co + i * ldc + j, kd, add);
            }
        }
    }

    private static FloatVector start(float[] c, int o, boolean add) {
        return add ? FloatVector.fromArray(S, c, o) : FloatVector.zero(S);
    }

    private static void fourByTwo(float[] a, int ao, int lda, float[] b, int bo, int ldb, float[] c, int co, int ldc,
                                  int kd, boolean add) {
        FloatVector c00 = start(c, co, add);
        FloatVector c01 = start(c, co + LANES, add);
        FloatVector c10 = start(c, co + ldc, add);
        FloatVector c11 = start(c, co + ldc + LANES, add);
        FloatVector c20 = start(c, co + 2 * ldc, add);
        FloatVector c21 = start(c, co + 2 * ldc + LANES, add);
        FloatVector c30 = start(c, co + 3 * ldc, add);
        FloatVector c31 = start(c, co + 3 * ldc + LANES, add);
        for (int k = 0; k < kd; k++) {
            int bk = bo + k * ldb;
            FloatVector b0 = FloatVector.fromArray(S, b, bk);
            FloatVector b1 = FloatVector.fromArray(S, b, bk + LANES);
            FloatVector x = FloatVector.broadcast(S, a[ao + k]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, a[ao + lda + k]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, a[ao + 2 * lda + k]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, a[ao + 3 * lda + k]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + LANES);
        c10.intoArray(c, co + ldc);
        c11.intoArray(c, co + ldc + LANES);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + LANES);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + LANES);
    }

    private static void fourByOne(float[] a, int ao, int lda, float[] b, int bo, int ldb, float[] c, int co, int ldc,
                                  int kd, boolean add) {
        FloatVector c0 = start(c, co, add);
        FloatVector c1 = start(c, co + ldc, add);
        FloatVector c2 = start(c, co + 2 * ldc, add);
        FloatVector c3 = start(c, co + 3 * ldc, add);
        for (int k = 0; k < kd; k++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo + k * ldb);
            c0 = b0.fma(FloatVector.broadcast(S, a[ao + k]), c0);
            c1 = b0.fma(FloatVector.broadcast(S, a[ao + lda + k]), c1);
            c2 = b0.fma(FloatVector.broadcast(S, a[ao + 2 * lda + k]), c2);
            c3 = b0.fma(FloatVector.broadcast(S, a[ao + 3 * lda + k]), c3);
        }
        c0.intoArray(c, co);
        c1.intoArray(c, co + ldc);
        c2.intoArray(c, co + 2 * ldc);
        c3.intoArray(c, co + 3 * ldc);
    }

    private static void oneByOne(float[] a, int ao, float[] b, int bo, int ldb, float[] c, int co, int kd, boolean add) {
        FloatVector acc = start(c, co, add);
        for (int k = 0; k < kd; k++) {
            acc = FloatVector.fromArray(S, b, bo + k * ldb).fma(FloatVector.broadcast(S, a[ao + k]), acc);
        }
        acc.intoArray(c, co);
    }
}
