package liftnet.solve;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dense float kernels on row-major arrays whose row strides are multiples of {@link #PAD}, written with the
 * Vector API. Each loop keeps up to four vectors of accumulators in registers and skips zero inputs (MNIST
 * pixels, inactive ReLU units, unchanged units), which the plain-loop JIT code could not do profitably.
 */
public final class VectorKernels {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int LANES = S.length();

    /** Row strides are padded to a multiple of this (a multiple of every species' lane count up to 512 bits). */
    public static final int PAD = 16;

    private VectorKernels() {
    }

    /** {@code n} rounded up to a multiple of {@link #PAD}. */
    public static int pad(int n) {
        return (n + PAD - 1) / PAD * PAD;
    }

    /**
     * One row times a matrix: {@code out[o:o+cols) = bias + sum_{i < inner} in[x+i] * m[i, :]}, skipping zero
     * inputs (inactive ReLU units, unchanged units).
     *
     * @param m    row-major {@code [inner x cols]}, {@code cols} a multiple of {@link #PAD}; not modified
     * @param bias {@code [cols]} or {@code null} for zero; not modified
     * @param out  modified in {@code [o, o+cols)}
     */
    public static void rowTimesMatrix(float[] in, int inOffset, int inner, float[] m, int cols, float[] bias,
                                      float[] out, int outOffset) {
        int c0 = 0;
        for (; c0 + 4 * LANES <= cols; c0 += 4 * LANES) {
            FloatVector v0 = start(bias, c0);
            FloatVector v1 = start(bias, c0 + LANES);
            FloatVector v2 = start(bias, c0 + 2 * LANES);
            FloatVector v3 = start(bias, c0 + 3 * LANES);
            for (int i = 0, base = c0; i < inner; i++, base += cols) {
                float x = in[inOffset + i];
                if (x == 0f) {
                    continue;
                }
                FloatVector xv = FloatVector.broadcast(S, x);
                v0 = FloatVector.fromArray(S, m, base).fma(xv, v0);
                v1 = FloatVector.fromArray(S, m, base + LANES).fma(xv, v1);
                v2 = FloatVector.fromArray(S, m, base + 2 * LANES).fma(xv, v2);
                v3 = FloatVector.fromArray(S, m, base + 3 * LANES).fma(xv, v3);
            }
            v0.intoArray(out, outOffset + c0);
            v1.intoArray(out, outOffset + c0 + LANES);
            v2.intoArray(out, outOffset + c0 + 2 * LANES);
            v3.intoArray(out, outOffset + c0 + 3 * LANES);
        }
        for (; c0 < cols; c0 += LANES) {
            FloatVector v0 = start(bias, c0);
            for (int i = 0, base = c0; i < inner; i++, base += cols) {
                float x = in[inOffset + i];
                if (x != 0f) {
                    v0 = FloatVector.fromArray(S, m, base).fma(FloatVector.broadcast(S, x), v0);
                }
            }
            v0.intoArray(out, outOffset + c0);
        }
    }

    /** Rows processed together by {@link #rowBlockTimesMatrix}: each matrix vector loaded feeds this many FMAs. */
    public static final int BLOCK = 4;

    /**
     * {@link #rowTimesMatrix} for {@code rows} rows, {@link #BLOCK} at once sharing every load of {@code m} between
     * them: {@code out[o + r*outStride, :cols) = bias + sum_i in[x + r*inStride + i] * m[i, :]}.
     *
     * @param in  not modified
     * @param m   {@code [inner x cols]}, not modified
     * @param out modified in columns {@code 0:cols} of the {@code rows} rows
     */
    public static void rowBlockTimesMatrix(float[] in, int inOffset, int inStride, int rows, int inner, float[] m,
                                           int cols, float[] bias, float[] out, int outOffset, int outStride) {
        for (int r = 0; r < rows; r += BLOCK) {
            fourRowsTimesMatrix(in, inOffset + r * inStride, inStride, Math.min(BLOCK, rows - r), inner, m, cols, bias,
                    out, outOffset + r * outStride, outStride);
        }
    }

    /** {@link #rowBlockTimesMatrix} for {@code rows <= BLOCK}. */
    private static void fourRowsTimesMatrix(float[] in, int inOffset, int inStride, int rows, int inner, float[] m,
                                            int cols, float[] bias, float[] out, int outOffset, int outStride) {
        if (rows < BLOCK) {
            for (int r = 0; r < rows; r++) {
                rowTimesMatrix(in, inOffset + r * inStride, inner, m, cols, bias, out, outOffset + r * outStride);
            }
            return;
        }
        int c0 = 0;
        for (; c0 + 2 * LANES <= cols; c0 += 2 * LANES) {
            fourByTwo(in, inOffset, inStride, m, c0, cols, out, outOffset + c0, outStride, inner, bias, c0, 0);
        }
        for (; c0 < cols; c0 += LANES) {
            fourByOne(in, inOffset, inStride, m, c0, cols, out, outOffset + c0, outStride, inner, bias, c0, 0);
        }
    }

    /** {@code n} rounded up to a multiple of {@link #LANES}. */
    static int lanes(int n) {
        return (n + LANES - 1) / LANES * LANES;
    }

    /**
     * {@code C = A B} ({@code add}: {@code C += A B}): {@code c[i, j] = fma(a[i, kd-1], b[kd-1, j], ... fma(a[i, 0],
     * b[0, j], c0))} with {@code c0} zero or the old {@code c[i, j]}, for {@code i < m}, {@code j < n}; rows of
     * {@code A}, {@code B}, {@code C} are {@code lda}, {@code ldb}, {@code ldc} apart. Every element is one chain of
     * FMAs in the order of the inner index, whatever the blocking and the lane count, so results repeat exactly from
     * run to run and between the AVX2 and AVX-512 builds of the Vector API. {@link ConvOp}'s products.
     *
     * @param n a multiple of {@link #LANES}
     * @param c modified in its {@code m x n} block
     */
    static void gemm(float[] a, int ao, int lda, float[] b, int bo, int ldb, float[] c, int co, int ldc, int m, int n,
                     int kd, boolean add) {
        int tiled = m / 4 * 4;
        float[] init = add ? c : null;
        // columns outer: a panel of B (kd x two vectors) stays in L1 while every row tile of A passes over it
        for (int j = 0; j < n; j += 2 * LANES) {
            boolean two = j + 2 * LANES <= n;
            for (int i = 0; i < tiled; i += 4) {
                int cij = co + i * ldc + j;
                if (two) {
                    fourByTwo(a, ao + i * lda, lda, b, bo + j, ldb, c, cij, ldc, kd, init, cij, ldc);
                } else {
                    fourByOne(a, ao + i * lda, lda, b, bo + j, ldb, c, cij, ldc, kd, init, cij, ldc);
                }
            }
        }
        for (int i = tiled; i < m; i++) {
            for (int j = 0; j < n; j += LANES) {
                int ai = ao + i * lda;
                int cj = co + i * ldc + j;
                FloatVector acc = add ? FloatVector.fromArray(S, c, cj) : FloatVector.zero(S);
                for (int k = 0; k < kd; k++) {
                    acc = FloatVector.fromArray(S, b, bo + j + k * ldb).fma(FloatVector.broadcast(S, a[ai + k]), acc);
                }
                acc.intoArray(c, cj);
            }
        }
    }

    /**
     * The register tile of {@link #rowBlockTimesMatrix} and {@link #gemm}: four rows of {@code C} by two vectors,
     * {@code c[i, :] = init[io + i is, :] + sum_k a[ao + i lda + k] b[bo + k ldb, :]}, each element one FMA chain over
     * {@code k} in order; {@code init} {@code null} for zero ({@code is} 0 repeats a bias row).
     */
    private static void fourByTwo(float[] a, int ao, int lda, float[] b, int bo, int ldb, float[] c, int co, int ldc,
                                  int kd, float[] init, int io, int is) {
        FloatVector c00 = start(init, io);
        FloatVector c01 = start(init, io + LANES);
        FloatVector c10 = start(init, io + is);
        FloatVector c11 = start(init, io + is + LANES);
        FloatVector c20 = start(init, io + 2 * is);
        FloatVector c21 = start(init, io + 2 * is + LANES);
        FloatVector c30 = start(init, io + 3 * is);
        FloatVector c31 = start(init, io + 3 * is + LANES);
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

    /** {@link #fourByTwo} for one vector of columns. */
    private static void fourByOne(float[] a, int ao, int lda, float[] b, int bo, int ldb, float[] c, int co, int ldc,
                                  int kd, float[] init, int io, int is) {
        FloatVector c0 = start(init, io);
        FloatVector c1 = start(init, io + is);
        FloatVector c2 = start(init, io + 2 * is);
        FloatVector c3 = start(init, io + 3 * is);
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

    /**
     * {@code out[o : o+cols) = bias + sum_n value[n] * m[index[n], :]} over {@code n} in {@code [from, to)}: one
     * row of a product with a sparse input. Two non-zeros per step, into separate accumulators, so that the
     * loads of {@code m} (which lives in L2) are not serialised behind one chain of FMAs.
     *
     * @param m   {@code [* x cols]}, not modified
     * @param out modified in {@code [o, o+cols)}
     */
    public static void sparseRowTimesMatrix(int[] index, float[] value, int from, int to, float[] m, int cols,
                                            float[] bias, float[] out, int outOffset) {
        int c0 = 0;
        for (; c0 + 4 * LANES <= cols; c0 += 4 * LANES) {
            FloatVector v0 = start(bias, c0);
            FloatVector v1 = start(bias, c0 + LANES);
            FloatVector v2 = start(bias, c0 + 2 * LANES);
            FloatVector v3 = start(bias, c0 + 3 * LANES);
            FloatVector u0 = FloatVector.zero(S);
            FloatVector u1 = u0;
            FloatVector u2 = u0;
            FloatVector u3 = u0;
            int n = from;
            for (; n + 1 < to; n += 2) {
                int base = index[n] * cols + c0;
                int next = index[n + 1] * cols + c0;
                FloatVector xv = FloatVector.broadcast(S, value[n]);
                FloatVector yv = FloatVector.broadcast(S, value[n + 1]);
                v0 = FloatVector.fromArray(S, m, base).fma(xv, v0);
                v1 = FloatVector.fromArray(S, m, base + LANES).fma(xv, v1);
                v2 = FloatVector.fromArray(S, m, base + 2 * LANES).fma(xv, v2);
                v3 = FloatVector.fromArray(S, m, base + 3 * LANES).fma(xv, v3);
                u0 = FloatVector.fromArray(S, m, next).fma(yv, u0);
                u1 = FloatVector.fromArray(S, m, next + LANES).fma(yv, u1);
                u2 = FloatVector.fromArray(S, m, next + 2 * LANES).fma(yv, u2);
                u3 = FloatVector.fromArray(S, m, next + 3 * LANES).fma(yv, u3);
            }
            if (n < to) {
                int base = index[n] * cols + c0;
                FloatVector xv = FloatVector.broadcast(S, value[n]);
                v0 = FloatVector.fromArray(S, m, base).fma(xv, v0);
                v1 = FloatVector.fromArray(S, m, base + LANES).fma(xv, v1);
                v2 = FloatVector.fromArray(S, m, base + 2 * LANES).fma(xv, v2);
                v3 = FloatVector.fromArray(S, m, base + 3 * LANES).fma(xv, v3);
            }
            v0.add(u0).intoArray(out, outOffset + c0);
            v1.add(u1).intoArray(out, outOffset + c0 + LANES);
            v2.add(u2).intoArray(out, outOffset + c0 + 2 * LANES);
            v3.add(u3).intoArray(out, outOffset + c0 + 3 * LANES);
        }
        for (; c0 < cols; c0 += LANES) {
            FloatVector v0 = start(bias, c0);
            for (int n = from; n < to; n++) {
                v0 = FloatVector.fromArray(S, m, index[n] * cols + c0).fma(FloatVector.broadcast(S, value[n]), v0);
            }
            v0.intoArray(out, outOffset + c0);
        }
    }

    private static FloatVector start(float[] bias, int c) {
        return bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, c);
    }

    /** Rows of {@code g} that {@link #accumulateOuter} updates together. */
    private static final int OUTER_ROWS = 4;

    /**
     * Rank-k update of a transposed gradient: for every {@code p0 <= p < p1},
     * {@code g[p, 0:cols) += sa * sum_r inA[r, p] * va[r, 0:cols) + sb * sum_r inB[r, p] * vb[r, 0:cols)} over
     * rows {@code 0 <= r < rows}. The second pair may be {@code null}. Four rows of {@code g} at a time stay in
     * registers while the batch streams past, so each load of {@code v} feeds four FMAs and no branch depends
     * on the data.
     *
     * @param g modified in rows p0..p1; {@code [* x cols]}
     */
    public static void accumulateOuter(float[] inA, float[] va, float sa, float[] inB, float[] vb, float sb,
                                       int inStride, int rows, int cols, float[] g, int p0, int p1) {
        accumulateOuter(inA, va, sa, inStride, rows, cols, g, p0, p1);
        if (inB != null) {
            accumulateOuter(inB, vb, sb, inStride, rows, cols, g, p0, p1);
        }
    }

    /** One pair of {@link #accumulateOuter}: {@code g[p, :] += s * sum_r in[r, p] * v[r, :]}. */
    private static void accumulateOuter(float[] in, float[] v, float s, int inStride, int rows, int cols, float[] g,
                                        int p0, int p1) {
        int p = p0;
        for (; p + OUTER_ROWS <= p1; p += OUTER_ROWS) {
            int c0 = 0;
            for (; c0 + 4 * LANES <= cols; c0 += 4 * LANES) {
                outerFourByFour(in, v, s, inStride, rows, cols, g, p, c0);
            }
            for (; c0 < cols; c0 += LANES) {
                outerFourByOne(in, v, s, inStride, rows, cols, g, p, c0);
            }
        }
        for (; p < p1; p++) {
            for (int c0 = 0; c0 < cols; c0 += LANES) {
                FloatVector acc = FloatVector.fromArray(S, g, p * cols + c0);
                for (int r = 0; r < rows; r++) {
                    acc = FloatVector.fromArray(S, v, r * cols + c0).fma(FloatVector.broadcast(S, s * in[r * inStride + p]), acc);
                }
                acc.intoArray(g, p * cols + c0);
            }
        }
    }

    /** Rows {@code p..p+3}, columns {@code c0..c0+4*LANES} of {@link #accumulateOuter}. */
    private static void outerFourByFour(float[] in, float[] v, float s, int inStride, int rows, int cols, float[] g,
                                        int p, int c0) {
        int g0 = p * cols + c0;
        int g1 = g0 + cols;
        int g2 = g1 + cols;
        int g3 = g2 + cols;
        FloatVector a00 = FloatVector.fromArray(S, g, g0);
        FloatVector a01 = FloatVector.fromArray(S, g, g0 + LANES);
        FloatVector a02 = FloatVector.fromArray(S, g, g0 + 2 * LANES);
        FloatVector a03 = FloatVector.fromArray(S, g, g0 + 3 * LANES);
        FloatVector a10 = FloatVector.fromArray(S, g, g1);
        FloatVector a11 = FloatVector.fromArray(S, g, g1 + LANES);
        FloatVector a12 = FloatVector.fromArray(S, g, g1 + 2 * LANES);
        FloatVector a13 = FloatVector.fromArray(S, g, g1 + 3 * LANES);
        FloatVector a20 = FloatVector.fromArray(S, g, g2);
        FloatVector a21 = FloatVector.fromArray(S, g, g2 + LANES);
        FloatVector a22 = FloatVector.fromArray(S, g, g2 + 2 * LANES);
        FloatVector a23 = FloatVector.fromArray(S, g, g2 + 3 * LANES);
        FloatVector a30 = FloatVector.fromArray(S, g, g3);
        FloatVector a31 = FloatVector.fromArray(S, g, g3 + LANES);
        FloatVector a32 = FloatVector.fromArray(S, g, g3 + 2 * LANES);
        FloatVector a33 = FloatVector.fromArray(S, g, g3 + 3 * LANES);
        for (int r = 0; r < rows; r++) {
            int x = r * inStride + p;
            int vo = r * cols + c0;
            FloatVector v0 = FloatVector.fromArray(S, v, vo);
            FloatVector v1 = FloatVector.fromArray(S, v, vo + LANES);
            FloatVector v2 = FloatVector.fromArray(S, v, vo + 2 * LANES);
            FloatVector v3 = FloatVector.fromArray(S, v, vo + 3 * LANES);
            FloatVector x0 = FloatVector.broadcast(S, s * in[x]);
            a00 = v0.fma(x0, a00);
            a01 = v1.fma(x0, a01);
            a02 = v2.fma(x0, a02);
            a03 = v3.fma(x0, a03);
            FloatVector x1 = FloatVector.broadcast(S, s * in[x + 1]);
            a10 = v0.fma(x1, a10);
            a11 = v1.fma(x1, a11);
            a12 = v2.fma(x1, a12);
            a13 = v3.fma(x1, a13);
            FloatVector x2 = FloatVector.broadcast(S, s * in[x + 2]);
            a20 = v0.fma(x2, a20);
            a21 = v1.fma(x2, a21);
            a22 = v2.fma(x2, a22);
            a23 = v3.fma(x2, a23);
            FloatVector x3 = FloatVector.broadcast(S, s * in[x + 3]);
            a30 = v0.fma(x3, a30);
            a31 = v1.fma(x3, a31);
            a32 = v2.fma(x3, a32);
            a33 = v3.fma(x3, a33);
        }
        a00.intoArray(g, g0);
        a01.intoArray(g, g0 + LANES);
        a02.intoArray(g, g0 + 2 * LANES);
        a03.intoArray(g, g0 + 3 * LANES);
        a10.intoArray(g, g1);
        a11.intoArray(g, g1 + LANES);
        a12.intoArray(g, g1 + 2 * LANES);
        a13.intoArray(g, g1 + 3 * LANES);
        a20.intoArray(g, g2);
        a21.intoArray(g, g2 + LANES);
        a22.intoArray(g, g2 + 2 * LANES);
        a23.intoArray(g, g2 + 3 * LANES);
        a30.intoArray(g, g3);
        a31.intoArray(g, g3 + LANES);
        a32.intoArray(g, g3 + 2 * LANES);
        a33.intoArray(g, g3 + 3 * LANES);
    }

    /** Rows {@code p..p+3}, columns {@code c0..c0+LANES} of {@link #accumulateOuter}. */
    private static void outerFourByOne(float[] in, float[] v, float s, int inStride, int rows, int cols, float[] g,
                                       int p, int c0) {
        int g0 = p * cols + c0;
        FloatVector a0 = FloatVector.fromArray(S, g, g0);
        FloatVector a1 = FloatVector.fromArray(S, g, g0 + cols);
        FloatVector a2 = FloatVector.fromArray(S, g, g0 + 2 * cols);
        FloatVector a3 = FloatVector.fromArray(S, g, g0 + 3 * cols);
        for (int r = 0; r < rows; r++) {
            int x = r * inStride + p;
            FloatVector v0 = FloatVector.fromArray(S, v, r * cols + c0);
            a0 = v0.fma(FloatVector.broadcast(S, s * in[x]), a0);
            a1 = v0.fma(FloatVector.broadcast(S, s * in[x + 1]), a1);
            a2 = v0.fma(FloatVector.broadcast(S, s * in[x + 2]), a2);
            a3 = v0.fma(FloatVector.broadcast(S, s * in[x + 3]), a3);
        }
        a0.intoArray(g, g0);
        a1.intoArray(g, g0 + cols);
        a2.intoArray(g, g0 + 2 * cols);
        a3.intoArray(g, g0 + 3 * cols);
    }

    /**
     * The first layer's gradient rows for the inputs of one block of {@code x}, an input shared by both phases
     * and mostly zero: {@code g[p, :] += scale * sum_r x[sampleOfRow[r], p] * (va[r, :] - vb[r, :])} for every
     * {@code p} in block {@code block} ({@code vb} may be {@code null}). Touches {@code g} only at the non-zeros.
     *
     * @param g modified in the block's rows; {@code [* x cols]}
     */
    public static void accumulateSparseInput(SparseInputs x, int[] sampleOfRow, int block, float[] va, float[] vb,
                                             float scale, int rows, int cols, float[] g) {
        int[] index = x.index;
        float[] value = x.value;
        for (int r = 0; r < rows; r++) {
            int sample = sampleOfRow[r];
            int n0 = x.blockFrom(sample, block);
            int n1 = x.blockTo(sample, block);
            if (n0 == n1) {
                continue;
            }
            int c0 = 0;
            for (; c0 + 4 * LANES <= cols; c0 += 4 * LANES) {
                FloatVector d0 = difference(va, vb, r * cols + c0, scale);
                FloatVector d1 = difference(va, vb, r * cols + c0 + LANES, scale);
                FloatVector d2 = difference(va, vb, r * cols + c0 + 2 * LANES, scale);
                FloatVector d3 = difference(va, vb, r * cols + c0 + 3 * LANES, scale);
                for (int n = n0; n < n1; n++) {
                    int base = index[n] * cols + c0;
                    FloatVector xv = FloatVector.broadcast(S, value[n]);
                    d0.fma(xv, FloatVector.fromArray(S, g, base)).intoArray(g, base);
                    d1.fma(xv, FloatVector.fromArray(S, g, base + LANES)).intoArray(g, base + LANES);
                    d2.fma(xv, FloatVector.fromArray(S, g, base + 2 * LANES)).intoArray(g, base + 2 * LANES);
                    d3.fma(xv, FloatVector.fromArray(S, g, base + 3 * LANES)).intoArray(g, base + 3 * LANES);
                }
            }
            for (; c0 < cols; c0 += LANES) {
                FloatVector d = difference(va, vb, r * cols + c0, scale);
                for (int n = n0; n < n1; n++) {
                    int base = index[n] * cols + c0;
                    d.fma(FloatVector.broadcast(S, value[n]), FloatVector.fromArray(S, g, base)).intoArray(g, base);
                }
            }
        }
    }

    /** {@code scale * (va[o : o+LANES) - vb[o : o+LANES))}, or {@code scale * va[...]} without {@code vb}. */
    private static FloatVector difference(float[] va, float[] vb, int o, float scale) {
        FloatVector d = FloatVector.fromArray(S, va, o);
        if (vb != null) {
            d = d.sub(FloatVector.fromArray(S, vb, o));
        }
        return d.mul(scale);
    }

    /** {@code sum_i x[xo+i] * y[yo+i]} over {@code n} (a multiple of PAD) values. */
    public static float dot(float[] x, int xo, float[] y, int yo, int n) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < n; i += LANES) {
            acc = FloatVector.fromArray(S, x, xo + i).fma(FloatVector.fromArray(S, y, yo + i), acc);
        }
        return sumLanes(acc);
    }

    /** {@code y[yo : yo+n) += a * x[xo : xo+n)}, {@code n} a multiple of PAD. */
    public static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector av = FloatVector.broadcast(S, a);
        for (int i = 0; i < n; i += LANES) {
            FloatVector.fromArray(S, x, xo + i).fma(av, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
    }

    /** {@code sum_i (x[xo+i] - y[yo+i])^2} in float lanes, summed in double. */
    public static double squaredDistance(float[] x, int xo, float[] y, int yo, int n) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < n; i += LANES) {
            FloatVector d = FloatVector.fromArray(S, x, xo + i).sub(FloatVector.fromArray(S, y, yo + i));
            acc = d.fma(d, acc);
        }
        return sumLanes(acc);
    }

    /** {@code sum_i x[xo+i]^2} over {@code n} (a multiple of PAD) values. */
    public static double squaredNorm(float[] x, int xo, int n) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < n; i += LANES) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            acc = v.fma(v, acc);
        }
        return sumLanes(acc);
    }

    /** {@code FOLD[i]} pairs lane {@code j} with lane {@code j ^ (LANES >> (i + 1))}. */
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] FOLD = new VectorShuffle[Integer.numberOfTrailingZeros(LANES)];

    static {
        for (int i = 0; i < FOLD.length; i++) {
            int distance = LANES >> (i + 1);
            FOLD[i] = VectorShuffle.fromOp(S, j -> j ^ distance);
        }
    }

    /**
     * Sum of the lanes by a fixed pairwise tree. {@code reduceLanes} adds in a different order once the JIT
     * compiles it than the interpreter does, which made runs differ in the last bits; an explicit tree keeps
     * them identical and costs a few permutes.
     */
    public static float sumLanes(FloatVector v) {
        for (VectorShuffle<Float> fold : FOLD) {
            v = v.add(v.rearrange(fold));
        }
        return v.lane(0);
    }

    /** Whether {@code x[xo : xo+n)} ({@code n} a multiple of PAD) holds no NaN and no infinity. */
    public static boolean allFinite(float[] x, int xo, int n) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < n; i += LANES) {
            // v * 0 is 0 for finite v, NaN for NaN or infinity; NaN survives the sum.
            acc = acc.add(FloatVector.fromArray(S, x, xo + i).mul(0f));
        }
        return sumLanes(acc) == 0f;
    }

    /** How many of {@code x[o : o+n)} lie strictly inside {@code (lo, hi)}. */
    public static int countInside(float[] x, int o, int n, float lo, float hi) {
        int count = 0;
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            FloatVector v = FloatVector.fromArray(S, x, o + i);
            count += v.compare(VectorOperators.GT, lo).and(v.compare(VectorOperators.LT, hi)).trueCount();
        }
        for (; i < n; i++) {
            count += x[o + i] > lo && x[o + i] < hi ? 1 : 0;
        }
        return count;
    }

    /**
     * {@code v[i] = 0} where {@code a[i]} is not strictly inside {@code (lo, hi)}, for {@code o <= i < o + n}; the
     * other entries keep their bits.
     *
     * @param v modified; {@code a} is not
     */
    public static void zeroOutside(float[] v, float[] a, int o, int n, float lo, float hi) {
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            FloatVector x = FloatVector.fromArray(S, a, o + i);
            VectorMask<Float> inside = x.compare(VectorOperators.GT, lo).and(x.compare(VectorOperators.LT, hi));
            FloatVector.zero(S).blend(FloatVector.fromArray(S, v, o + i), inside).intoArray(v, o + i);
        }
        for (; i < n; i++) {
            if (!(a[o + i] > lo && a[o + i] < hi)) {
                v[o + i] = 0f;
            }
        }
    }

    /** {@code out[o : o+n) = clamp(in[i : i+n), lo, hi)}. */
    public static void project(float[] in, int io, float lo, float hi, float[] out, int oo, int n) {
        FloatVector lov = FloatVector.broadcast(S, lo);
        FloatVector hiv = FloatVector.broadcast(S, hi);
        for (int i = 0; i < n; i += LANES) {
            FloatVector.fromArray(S, in, io + i).max(lov).min(hiv).intoArray(out, oo + i);
        }
    }
}
