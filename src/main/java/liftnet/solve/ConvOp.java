package liftnet.solve;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import liftnet.api.ConvLayer;

/**
 * A convolution ({@link ConvLayer}) by im2col: a precomputed map {@code source[q * P + p]} gives, for kernel entry
 * {@code q = (c, dy, dx)} and output position {@code p = (oy, ox)}, the input unit it reads, or -1 in the padding.
 * With the patches {@code X[q, p] = x[source[q, p]]} (0 in the padding):
 * <pre>
 * W x          = K X + b               K as [F x Q], Q = C K K, P = H' W'   (rows of P, unit-stride)
 * W^T r        = gather of K^T r       back through {@code source} (the transposed convolution)
 * dE/dK       += lambda X^T            (the correlation of the residual with the input)
 * </pre>
 * Each product is one register-blocked GEMM over a block of rows ({@link VectorKernels#gemm}): the rows' patches
 * side by side, so that every kernel weight loaded feeds a whole block; the transposed convolution is a GEMM and a
 * gather (each input unit sums its own entries, in a fixed order), not a scatter-add.
 * Column {@code j} of {@code W} (input unit {@code j}) is the list of {@code (q, p)} with {@code source[q, p] = j},
 * kept as a compressed table (for the gather and the Gauss-Seidel solver), and
 * {@code c_j = sum over that list of sum_f K[f, q]^2}.
 * Gradient row {@code q} is kernel entry {@code q} of every filter.
 */
final class ConvOp implements LayerOp {

    private final ConvLayer layer;
    private final int filters;
    private final int q;
    private final int p;
    /** Columns of a gradient block ({@code 2 BLOCK P}: both phases' rows) and the filters padded to whole vectors. */
    private final int kdMax;
    private final int fp;
    /** Whether the input is a solved layer (not the data): then {@link #c} and the column table are kept. */
    private final boolean solvedInput;
    /** {@code K [F x Q]} and the biases, in the parameters' layout. */
    private final float[] w;
    private final float[] b;
    private final float[] gw;
    private final float[] gb;
    /** Input unit read by kernel entry {@code q} at output position {@code p}, or -1: {@code [Q x P]}. */
    private final int[] source;
    /**
     * Column {@code j}'s entries {@code colStart[j] .. colStart[j+1]} of {@link #colAt}: {@code (q, p)} as
     * {@code q ld + p}, its place in {@link #applyTransposed}'s {@code K^T V} (rows {@code ld = columns(BLOCK)} apart).
     */
    private int[] colStart;
    private int[] colAt;
    private final int ld;
    /** {@code K^T}, {@code [Q x F]}: {@code wt[q * F + f] = K[f, q]}. */
    private final float[] wt;
    private final float[] c;
    /** The last gradient terms seen and their {@link #residualsTransposed}, shared by the threads. */
    private GradientTerms lastTerms;
    private float[] residualsT = new float[0];
    /** {@link #source} for the gather, with 0 for the padding, and where {@link #source} is inside the image. */
    private final int[] gatherAt;
    private final boolean[] inside;

    /** @param block the most rows a product gets at once */
    ConvOp(ConvLayer layer, boolean solvedInput, int block) {
        this.layer = layer;
        this.filters = layer.filters();
        this.q = layer.fanIn();
        this.p = layer.outHeight() * layer.outWidth();
        this.kdMax = 2 * VectorKernels.BLOCK * p;
        this.fp = VectorKernels.lanes(filters);
        this.ld = columns(block);
        this.solvedInput = solvedInput;
        w = new float[filters * q];
        b = new float[filters];
        gw = new float[w.length];
        gb = new float[filters];
        wt = new float[q * filters];
        c = solvedInput ? new float[VectorKernels.pad(layer.inputs())] : null;
        int k = layer.kernel();
        source = new int[q * p];
        for (int i = 0; i < source.length; i++) { // i = (q, p), q = (c, dy, dx), p = (oy, ox)
            int y = i % p / layer.outWidth() * layer.stride() + i / p / k % k - layer.pad();
            int x = i % p % layer.outWidth() * layer.stride() + i / p % k - layer.pad();
            boolean image = y >= 0 && y < layer.height() && x >= 0 && x < layer.width();
            source[i] = image ? (i / p / (k * k) * layer.height() + y) * layer.width() + x : -1;
        }
        if (solvedInput) {
            buildColumns();
        }
        gatherAt = new int[source.length];
        inside = new boolean[source.length + VectorKernels.LANES];
        for (int i = 0; i < source.length; i++) {
            gatherAt[i] = Math.max(0, source[i]);
            inside[i] = source[i] >= 0;
        }
    }

    /** The compressed table of the columns of {@code W}, from {@link #source}. */
    private void buildColumns() {
        int n = layer.inputs();
        colStart = new int[n + 1];
        for (int j : source) {
            colStart[j + 1] += j >= 0 ? 1 : 0;
        }
        for (int j = 0; j < n; j++) {
            colStart[j + 1] += colStart[j];
        }
        colAt = new int[colStart[n]];
        int[] fill = Arrays.copyOf(colStart, n);
        for (int i = 0; i < source.length; i++) {
            int j = source[i];
            if (j >= 0) {
                colAt[fill[j]++] = i / p * ld + i % p;
            }
        }
    }

    @Override
    public int inputs() {
        return layer.inputs();
    }

    @Override
    public int outputs() {
        return layer.outputs();
    }

    /** The largest of the products' scratch: patches and result of a block, or a gradient block's operands. */
    @Override
    public int workSize() {
        return Math.max((q + filters) * ld, q * kdMax + q * fp);
    }

    @Override
    public void set(float[] weight, float[] bias) {
        System.arraycopy(weight, 0, w, 0, w.length);
        System.arraycopy(bias, 0, b, 0, b.length);
        stepped();
    }

    @Override
    public void get(float[] weight, float[] bias) {
        System.arraycopy(w, 0, weight, 0, w.length);
        System.arraycopy(b, 0, bias, 0, b.length);
    }

    @Override
    public void gradient(float[] weight, float[] bias) {
        System.arraycopy(gw, 0, weight, 0, gw.length);
        System.arraycopy(gb, 0, bias, 0, gb.length);
    }

    /** Recomputes {@code K^T}, the kernel norms and {@code c} from {@code K}. */
    @Override
    public void stepped() {
        float[] kernelNorm = new float[q]; // sum_f K[f, q]^2
        for (int f = 0; f < filters; f++) {
            for (int i = 0; i < q; i++) {
                float v = w[f * q + i];
                wt[i * filters + f] = v;
                kernelNorm[i] += v * v;
            }
        }
        if (c != null) {
            Arrays.fill(c, 0f);
            for (int i = 0; i < source.length; i++) {
                if (source[i] >= 0) {
                    c[source[i]] += kernelNorm[i / p];
                }
            }
        }
    }

    /**
     * Patches of {@code rows} rows {@code x_r} at {@code xo + r xs}, side by side:
     * {@code cols[co + (i - q0) ld + r P + p] = x_r[source[i, p]]} for {@code q0 <= i < q1}, 0 in the padding: a
     * masked vector gather per whole vector of positions ({@link #gatherAt}, {@link #inside}), the rest one by one.
     */
    private void im2col(float[] x, int xo, int xs, int rows, int q0, int q1, float[] cols, int co, int ld) {
        int whole = p / VectorKernels.LANES * VectorKernels.LANES;
        for (int r = 0; r < rows; r++) {
            int xr = xo + r * xs;
            for (int i = q0; i < q1; i++) {
                int o = co + (i - q0) * ld + r * p;
                int si = i * p;
                for (int pi = 0; pi < whole; pi += VectorKernels.LANES) {
                    VectorMask<Float> m = VectorMask.fromArray(VectorKernels.S, inside, si + pi);
                    FloatVector.fromArray(VectorKernels.S, x, xr, gatherAt, si + pi, m).intoArray(cols, o + pi);
                }
                for (int pi = whole; pi < p; pi++) {
                    int j = source[si + pi];
                    cols[o + pi] = j >= 0 ? x[xr + j] : 0f;
                }
            }
        }
    }

    /** Columns of {@code rows} rows: {@code rows P} padded to pairs of vectors, the GEMM's full tile. */
    private int columns(int rows) {
        return VectorKernels.lanes((rows * p + 1) / 2) * 2;
    }

    /**
     * One GEMM for the block: {@code Y = K X} with the patches {@code X [Q x rows P]} of every row side by side
     * ({@link VectorKernels#gemm}, each output a chain of FMAs over {@code q}), then {@code + b} per row.
     */
    @Override
    public void apply(float[] x, int xo, int xs, int rows, float[] y, int yo, int ys, boolean bias, float[] work) {
        im2col(x, xo, xs, rows, 0, q, work, 0, columns(rows));
        product(rows, y, yo, ys, bias, work);
    }

    @Override
    public void applyToInputs(InputRows in, int r0, int rows, float[] y, int ys, float[] work) {
        int nb = columns(rows);
        for (int r = 0; r < rows; r++) {
            im2col(in.dense(), in.sampleOfRow()[r0 + r] * in.width(), 0, 1, 0, q, work, r * p, nb);
        }
        product(rows, y, r0 * ys, ys, true, work);
    }

    /**
     * {@code Y = K X (+ b)} from the patches in {@code work}, into the rows of {@code y}, their padding zeroed. The
     * columns past the rows' ({@code rows P .. columns(rows)}) hold stale values; their results are never read.
     */
    private void product(int rows, float[] y, int yo, int ys, boolean bias, float[] work) {
        int nb = columns(rows);
        int co = q * nb;
        VectorKernels.gemm(w, 0, q, work, 0, nb, work, co, nb, filters, nb, q, false);
        for (int r = 0; r < rows; r++) {
            int row = yo + r * ys;
            for (int f = 0; f < filters; f++) {
                int src = co + f * nb + r * p;
                int dst = row + f * p;
                float bf = bias ? b[f] : 0f;
                for (int pi = 0; pi < p; pi++) {
                    y[dst + pi] = bias ? work[src + pi] + bf : work[src + pi];
                }
            }
            Arrays.fill(y, row + layer.outputs(), row + VectorKernels.pad(layer.outputs()), 0f);
        }
    }

    /**
     * The transposed convolution as one GEMM and a gather: {@code T = K^T V} over the block's residuals side by side
     * ({@code [Q x rows P]}), then {@code q_j = sum} of {@code T} over column {@code j}'s entries, in their order, for
     * four rows at once (each entry's place read once; the sums of rows past {@code rows} are not stored).
     */
    @Override
    public void applyTransposed(float[] v, int vo, int vs, int rows, float[] out, int qo, int qs, float[] work) {
        int nb = columns(rows);
        for (int f = 0; f < filters; f++) {
            int o = f * nb;
            for (int r = 0; r < rows; r++) {
                System.arraycopy(v, vo + r * vs + f * p, work, o + r * p, p);
            }
        }
        int to = filters * nb;
        VectorKernels.gemm(wt, 0, filters, work, 0, nb, work, to, ld, q, nb, filters, false);
        int n = layer.inputs();
        for (int r0 = 0; r0 < rows; r0 += 4, to += 4 * p) {
            int row = qo + r0 * qs;
            for (int j = 0; j < n; j++) {
                float s0 = 0f;
                float s1 = 0f;
                float s2 = 0f;
                float s3 = 0f;
                for (int e = colStart[j]; e < colStart[j + 1]; e++) {
                    int o = to + colAt[e];
                    s0 += work[o];
                    s1 += work[o + p];
                    s2 += work[o + 2 * p];
                    s3 += work[o + 3 * p];
                }
                out[row + j] = s0;
                if (r0 + 1 < rows) {
                    out[row + qs + j] = s1;
                }
                if (r0 + 2 < rows) {
                    out[row + 2 * qs + j] = s2;
                }
                if (r0 + 3 < rows) {
                    out[row + 3 * qs + j] = s3;
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            Arrays.fill(out, qo + r * qs + n, qo + r * qs + VectorKernels.pad(n), 0f);
        }
    }

    @Override
    public float[] columnNorms() {
        return c;
    }

    @Override
    public float columnDot(int j, float[] v, int vo) {
        float s = 0f;
        for (int e = colStart[j]; e < colStart[j + 1]; e++) {
            int qi = colAt[e] / ld;
            int o = vo + colAt[e] % ld;
            for (int f = 0; f < filters; f++) {
                s += w[f * q + qi] * v[o + f * p];
            }
        }
        return s;
    }

    @Override
    public void columnAxpy(int j, float alpha, float[] v, int vo) {
        for (int e = colStart[j]; e < colStart[j + 1]; e++) {
            int qi = colAt[e] / ld;
            int o = vo + colAt[e] % ld;
            for (int f = 0; f < filters; f++) {
                v[o + f * p] += alpha * w[f * q + qi];
            }
        }
    }

    @Override
    public int gradientRows() {
        return q;
    }

    /**
     * Per block of {@link VectorKernels#BLOCK} rows, one GEMM {@code G^T[q0..q1, :] += X L}: the chunk's patch rows of
     * both phases side by side ({@code X [q1-q0 x phases rows P]}) times the scaled residuals transposed
     * ({@code L[(phase, r, p), f] = -+scale lambda_r[f, p]}), so each entry is one chain of FMAs over
     * {@code (block, phase, row, position)}. On the data's input, which both phases share, one phase of the residuals'
     * difference {@code -scale (lambdaA - lambdaB)}: the two terms nearly cancel, and their difference is exact where
     * the sum of two products would round each.
     */
    @Override
    public boolean accumulateGradient(int p0, int p1, GradientTerms t, float[] work) {
        boolean difference = !solvedInput && t.lambdaB() != null;
        int phases = t.lambdaB() == null || difference ? 1 : 2;
        float[] l = residualsTransposed(t, phases, difference);
        int co = q * kdMax;
        InputRows in = t.inputs();
        for (int r0 = 0; r0 < t.rows(); r0 += VectorKernels.BLOCK) {
            int rows = Math.min(VectorKernels.BLOCK, t.rows() - r0);
            int kd = phases * rows * p;
            for (int ph = 0; ph < phases; ph++) {
                float[] z = ph == 0 ? t.zA() : t.zB();
                for (int r = r0; r < r0 + rows; r++) {
                    int xo = solvedInput ? r * t.inStride() : in.sampleOfRow()[r] * in.width();
                    im2col(solvedInput ? z : in.dense(), xo, 0, 1, p0, p1, work, (ph * rows + r - r0) * p, kd);
                }
            }
            VectorKernels.gemm(work, 0, kd, l, phases * r0 * p * fp, fp, work, co, fp, p1 - p0, fp, kd, r0 > 0);
        }
        boolean finite = true;
        for (int i = p0; i < p1; i++) {
            for (int f = 0; f < filters; f++) {
                float g = t.rows() == 0 ? 0f : work[co + (i - p0) * fp + f];
                gw[f * q + i] = g;
                finite &= Float.isFinite(g);
            }
        }
        return finite;
    }

    /**
     * {@link #accumulateGradient}'s {@code L} of every block of the terms' rows, one after the other (block {@code r0}'s
     * at {@code phases r0 P fp}): the scaled residuals transposed, {@code L[(phase, r, p), f] = -+scale lambda_r[f, p]}
     * (on the data's input the difference). Built once per terms by the first thread that asks and shared by the
     * chunks of gradient rows, which all need all of it.
     */
    private synchronized float[] residualsTransposed(GradientTerms t, int phases, boolean difference) {
        if (t == lastTerms) {
            return residualsT;
        }
        if (residualsT.length < phases * t.rows() * p * fp) {
            residualsT = new float[phases * t.rows() * p * fp];
        }
        for (int r0 = 0; r0 < t.rows(); r0 += VectorKernels.BLOCK) {
            int rows = Math.min(VectorKernels.BLOCK, t.rows() - r0);
            for (int ph = 0; ph < phases; ph++) {
                float[] lambda = ph == 0 ? t.lambdaA() : t.lambdaB();
                float s = ph == 0 ? -t.scale() : t.scale();
                for (int r = r0; r < r0 + rows; r++) {
                    int k0 = phases * r0 * p + (ph * rows + r - r0) * p;
                    int lr = r * t.outStride();
                    for (int pi = 0; pi < p; pi++) {
                        int o = (k0 + pi) * fp;
                        for (int f = 0; f < filters; f++) {
                            int i = lr + f * p + pi;
                            residualsT[o + f] = difference ? (lambda[i] - t.lambdaB()[i]) * s : s * lambda[i];
                        }
                    }
                }
            }
        }
        lastTerms = t;
        return residualsT;
    }

    @Override
    public boolean accumulateBias(GradientTerms t) {
        return t.biasGradient(gb, filters, p);
    }

    @Override
    public void step(int p0, int p1, float eta) {
        for (int f = 0; f < filters; f++) {
            for (int i = f * q + p0; i < f * q + p1; i++) {
                w[i] -= eta * gw[i];
            }
        }
    }

    @Override
    public void stepBias(float eta) {
        for (int f = 0; f < filters; f++) {
            b[f] -= eta * gb[f];
        }
    }
}
