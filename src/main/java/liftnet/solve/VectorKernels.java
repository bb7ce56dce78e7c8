package liftnet.solve;

import jdk.incubator.vector.FloatVector;
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
     * {@code out[r, 0:cols) = bias + sum_{i < inner} in[r, i] * m[i, 0:cols)} for rows {@code r0 <= r < r1},
     * where {@code m} is row-major {@code [inner x cols]}.
     *
     * @param in   {@code [rows x inStride]}; not modified
     * @param m    {@code [inner x cols]}, {@code cols} a multiple of {@link #PAD}; not modified
     * @param bias {@code [cols]} or {@code null} for zero; not modified
     * @param out  {@code [rows x outStride]}; modified in columns {@code 0:cols) of rows r0..r1
     */
    public static void rowsTimesMatrix(float[] in, int inStride, int inner, float[] m, int cols, float[] bias,
                                       float[] out, int outStride, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            rowTimesMatrix(in, r * inStride, inner, m, cols, bias, out, r * outStride);
        }
    }

    /** One row of {@link #rowsTimesMatrix}: {@code out[o:o+cols) = bias + sum_i in[x+i] * m[i, :]}. */
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
     * {@link #rowsTimesMatrix} for {@code rows <= BLOCK} rows at once, sharing every load of {@code m}
     * between them: {@code out[o + r*outStride, :cols) = bias + sum_i in[x + r*inStride + i] * m[i, :]}.
     *
     * @param in  not modified
     * @param m   {@code [inner x cols]}, not modified
     * @param out modified in columns {@code 0:cols} of the {@code rows} rows
     */
    public static void rowBlockTimesMatrix(float[] in, int inOffset, int inStride, int rows, int inner, float[] m,
                                           int cols, float[] bias, float[] out, int outOffset, int outStride) {
        if (rows < BLOCK) {
            for (int r = 0; r < rows; r++) {
                rowTimesMatrix(in, inOffset + r * inStride, inner, m, cols, bias, out, outOffset + r * outStride);
            }
            return;
        }
        int x0 = inOffset;
        int x1 = inOffset + inStride;
        int x2 = inOffset + 2 * inStride;
        int x3 = inOffset + 3 * inStride;
        int c0 = 0;
        for (; c0 + 2 * LANES <= cols; c0 += 2 * LANES) {
            FloatVector a0 = start(bias, c0);
            FloatVector b0 = start(bias, c0 + LANES);
            FloatVector a1 = a0;
            FloatVector b1 = b0;
            FloatVector a2 = a0;
            FloatVector b2 = b0;
            FloatVector a3 = a0;
            FloatVector b3 = b0;
            for (int i = 0, base = c0; i < inner; i++, base += cols) {
                FloatVector ma = FloatVector.fromArray(S, m, base);
                FloatVector mb = FloatVector.fromArray(S, m, base + LANES);
                FloatVector v = FloatVector.broadcast(S, in[x0 + i]);
                a0 = ma.fma(v, a0);
                b0 = mb.fma(v, b0);
                v = FloatVector.broadcast(S, in[x1 + i]);
                a1 = ma.fma(v, a1);
                b1 = mb.fma(v, b1);
                v = FloatVector.broadcast(S, in[x2 + i]);
                a2 = ma.fma(v, a2);
                b2 = mb.fma(v, b2);
                v = FloatVector.broadcast(S, in[x3 + i]);
                a3 = ma.fma(v, a3);
                b3 = mb.fma(v, b3);
            }
            a0.intoArray(out, outOffset + c0);
            b0.intoArray(out, outOffset + c0 + LANES);
            a1.intoArray(out, outOffset + outStride + c0);
            b1.intoArray(out, outOffset + outStride + c0 + LANES);
            a2.intoArray(out, outOffset + 2 * outStride + c0);
            b2.intoArray(out, outOffset + 2 * outStride + c0 + LANES);
            a3.intoArray(out, outOffset + 3 * outStride + c0);
            b3.intoArray(out, outOffset + 3 * outStride + c0 + LANES);
        }
        for (; c0 < cols; c0 += LANES) {
            FloatVector a0 = start(bias, c0);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int i = 0, base = c0; i < inner; i++, base += cols) {
                FloatVector ma = FloatVector.fromArray(S, m, base);
                a0 = ma.fma(FloatVector.broadcast(S, in[x0 + i]), a0);
                a1 = ma.fma(FloatVector.broadcast(S, in[x1 + i]), a1);
                a2 = ma.fma(FloatVector.broadcast(S, in[x2 + i]), a2);
                a3 = ma.fma(FloatVector.broadcast(S, in[x3 + i]), a3);
            }
            a0.intoArray(out, outOffset + c0);
            a1.intoArray(out, outOffset + outStride + c0);
            a2.intoArray(out, outOffset + 2 * outStride + c0);
            a3.intoArray(out, outOffset + 3 * outStride + c0);
        }
    }

    /**
     * {@code out[o : o+cols) = bias + sum_n value[n] * m[index[n], :]} over {@code n} in {@code [from, to)}: one
     * row of a product with a sparse input.
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
            for (int n = from; n < to; n++) {
                int base = index[n] * cols + c0;
                FloatVector xv = FloatVector.broadcast(S, value[n]);
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
            for (int n = from; n < to; n++) {
                v0 = FloatVector.fromArray(S, m, index[n] * cols + c0).fma(FloatVector.broadcast(S, value[n]), v0);
            }
            v0.intoArray(out, outOffset + c0);
        }
    }

    private static FloatVector start(float[] bias, int c) {
        return bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, c);
    }

    /**
     * Rank-k update of a transposed gradient: for every {@code p0 <= p < p1},
     * {@code g[p, 0:cols) += sa * sum_r inA[r, p] * va[r, 0:cols) + sb * sum_r inB[r, p] * vb[r, 0:cols)} over
     * rows {@code 0 <= r < rows}. The second pair may be {@code null}.
     *
     * @param g modified in rows p0..p1; {@code [* x cols]}
     */
    public static void accumulateOuter(float[] inA, float[] va, float sa, float[] inB, float[] vb, float sb,
                                       int inStride, int rows, int cols, float[] g, int p0, int p1) {
        for (int p = p0; p < p1; p++) {
            int gRow = p * cols;
            for (int c0 = 0; c0 < cols; c0 += LANES) {
                if (c0 + 4 * LANES <= cols) {
                    FloatVector g0 = FloatVector.fromArray(S, g, gRow + c0);
                    FloatVector g1 = FloatVector.fromArray(S, g, gRow + c0 + LANES);
                    FloatVector g2 = FloatVector.fromArray(S, g, gRow + c0 + 2 * LANES);
                    FloatVector g3 = FloatVector.fromArray(S, g, gRow + c0 + 3 * LANES);
                    for (int pass = 0; pass < 2; pass++) {
                        float[] in = pass == 0 ? inA : inB;
                        float[] v = pass == 0 ? va : vb;
                        float s = pass == 0 ? sa : sb;
                        if (in == null) {
                            continue;
                        }
                        for (int r = 0; r < rows; r++) {
                            float x = in[r * inStride + p];
                            if (x == 0f) {
                                continue;
                            }
                            FloatVector xv = FloatVector.broadcast(S, x * s);
                            int vRow = r * cols + c0;
                            g0 = FloatVector.fromArray(S, v, vRow).fma(xv, g0);
                            g1 = FloatVector.fromArray(S, v, vRow + LANES).fma(xv, g1);
                            g2 = FloatVector.fromArray(S, v, vRow + 2 * LANES).fma(xv, g2);
                            g3 = FloatVector.fromArray(S, v, vRow + 3 * LANES).fma(xv, g3);
                        }
                    }
                    g0.intoArray(g, gRow + c0);
                    g1.intoArray(g, gRow + c0 + LANES);
                    g2.intoArray(g, gRow + c0 + 2 * LANES);
                    g3.intoArray(g, gRow + c0 + 3 * LANES);
                    c0 += 3 * LANES;
                } else {
                    FloatVector g0 = FloatVector.fromArray(S, g, gRow + c0);
                    for (int pass = 0; pass < 2; pass++) {
                        float[] in = pass == 0 ? inA : inB;
                        float[] v = pass == 0 ? va : vb;
                        float s = pass == 0 ? sa : sb;
                        if (in == null) {
                            continue;
                        }
                        for (int r = 0; r < rows; r++) {
                            float x = in[r * inStride + p];
                            if (x != 0f) {
                                g0 = FloatVector.fromArray(S, v, r * cols + c0).fma(FloatVector.broadcast(S, x * s), g0);
                            }
                        }
                    }
                    g0.intoArray(g, gRow + c0);
                }
            }
        }
    }

    /**
     * The first layer's gradient rows, where the input {@code x} is shared by both phases and mostly zero:
     * {@code g[p, :] += scale * sum_r x[r, p] * (va[r, :] - vb[r, :])} for {@code p0 <= p < p1} ({@code vb} may be
     * {@code null}). Walks each sample's pixels {@code p0..p1} contiguously and touches {@code g} only for the
     * non-zero ones; the difference row is formed once per sample.
     *
     * @param g modified in rows p0..p1; {@code [* x cols]}, {@code cols <= } the scratch {@code diff} length
     */
    public static void accumulateSparseInput(float[] x, int xStride, float[] va, float[] vb, float scale, int rows,
                                             int cols, float[] g, int p0, int p1, float[] diff) {
        for (int r = 0; r < rows; r++) {
            int xo = r * xStride;
            boolean formed = false;
            for (int p = p0; p < p1; p++) {
                float xv = x[xo + p];
                if (xv == 0f) {
                    continue;
                }
                if (!formed) {
                    for (int c = 0; c < cols; c += LANES) {
                        FloatVector d = FloatVector.fromArray(S, va, r * cols + c);
                        if (vb != null) {
                            d = d.sub(FloatVector.fromArray(S, vb, r * cols + c));
                        }
                        d.mul(scale).intoArray(diff, c);
                    }
                    formed = true;
                }
                axpy(xv, diff, 0, g, p * cols, cols);
            }
        }
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

    /** {@code out[o : o+n) = clamp(in[i : i+n), lo, hi)}. */
    public static void project(float[] in, int io, float lo, float hi, float[] out, int oo, int n) {
        FloatVector lov = FloatVector.broadcast(S, lo);
        FloatVector hiv = FloatVector.broadcast(S, hi);
        for (int i = 0; i < n; i += LANES) {
            FloatVector.fromArray(S, in, io + i).max(lov).min(hiv).intoArray(out, oo + i);
        }
    }
}
