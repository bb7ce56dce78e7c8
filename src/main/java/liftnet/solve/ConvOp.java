package liftnet.solve;

import java.util.Arrays;
import liftnet.api.ConvLayer;

/**
 * A convolution ({@link ConvLayer}) by im2col: a precomputed map {@code source[q * P + p]} gives, for kernel entry
 * {@code q = (c, dy, dx)} and output position {@code p = (oy, ox)}, the input unit it reads, or -1 in the padding.
 * With the patches {@code X[q, p] = x[source[q, p]]} (0 in the padding):
 * <pre>
 * W x          = K X + b               K as [F x Q], Q = C K K, P = H' W'   (rows of P, unit-stride)
 * W^T r        = scatter-add of K^T r  back through {@code source} (the transposed convolution)
 * dE/dK       += lambda X^T            (the correlation of the residual with the input)
 * </pre>
 * The products run as sums of unit-stride rows of length {@code P} ({@link OpKernels}).
 * Column {@code j} of {@code W} (input unit {@code j}) is the list of {@code (q, p)} with {@code source[q, p] = j},
 * kept as a compressed table for the Gauss-Seidel solver, and {@code c_j = sum over that list of sum_f K[f, q]^2}.
 */
final class ConvOp extends LinearOp {

    private final ConvLayer layer;
    private final int filters;
    private final int q;
    private final int p;
    private final float[] w;
    private final float[] b;
    /** Input unit read by kernel entry {@code q} at output position {@code p}, or -1: {@code [Q x P]}. */
    private final int[] source;
    /** Column {@code j}'s entries {@code colStart[j] .. colStart[j+1]} of {@link #colQ} and {@link #colP}. */
    private final int[] colStart;
    private final int[] colQ;
    private final int[] colP;
    /** {@code K^T}, {@code [Q x F]}: {@code wt[q * F + f] = K[f, q]}. */
    private final float[] wt;
    /** {@code sum_f K[f, q]^2}. */
    private final float[] kernelNorm;
    private final float[] c;

    ConvOp(ConvLayer layer, float[] w, float[] b) {
        this.layer = layer;
        this.filters = layer.filters();
        this.q = layer.fanIn();
        this.p = layer.outHeight() * layer.outWidth();
        this.w = w;
        this.b = b;
        int k = layer.kernel();
        int s = layer.stride();
        int pad = layer.pad();
        int h = layer.height();
        int wd = layer.width();
        int ow = layer.outWidth();
        source = new int[q * p];
        int n = layer.inputs();
        int[] count = new int[n + 1];
        for (int ch = 0; ch < layer.channels(); ch++) {
            for (int dy = 0; dy < k; dy++) {
                for (int dx = 0; dx < k; dx++) {
                    int qi = (ch * k + dy) * k + dx;
                    for (int pi = 0; pi < p; pi++) {
                        int y = (pi / ow) * s + dy - pad;
                        int x = (pi % ow) * s + dx - pad;
                        int j = y >= 0 && y < h && x >= 0 && x < wd ? (ch * h + y) * wd + x : -1;
                        source[qi * p + pi] = j;
                        if (j >= 0) {
                            count[j + 1]++;
                        }
                    }
                }
            }
        }
        colStart = new int[n + 1];
        for (int j = 0; j < n; j++) {
            colStart[j + 1] = colStart[j] + count[j + 1];
        }
        colQ = new int[colStart[n]];
        colP = new int[colStart[n]];
        int[] fill = Arrays.copyOf(colStart, n);
        for (int i = 0; i < source.length; i++) {
            int j = source[i];
            if (j >= 0) {
                colQ[fill[j]] = i / p;
                colP[fill[j]] = i % p;
                fill[j]++;
            }
        }
        wt = new float[q * filters];
        kernelNorm = new float[q];
        c = new float[n];
        refresh();
    }

    @Override
    public int inputs() {
        return layer.inputs();
    }

    @Override
    public int outputs() {
        return layer.outputs();
    }

    @Override
    public int workSize() {
        return q * p;
    }

    @Override
    public void refresh() {
        Arrays.fill(kernelNorm, 0f);
        for (int f = 0; f < filters; f++) {
            for (int i = 0; i < q; i++) {
                float v = w[f * q + i];
                wt[i * filters + f] = v;
                kernelNorm[i] += v * v;
            }
        }
        Arrays.fill(c, 0f);
        for (int i = 0; i < source.length; i++) {
            if (source[i] >= 0) {
                c[source[i]] += kernelNorm[i / p];
            }
        }
    }

    /** {@code cols[q, p] = x[source[q, p]]}, 0 in the padding. */
    private void im2col(float[] x, int xo, float[] cols) {
        for (int i = 0; i < source.length; i++) {
            int j = source[i];
            cols[i] = j >= 0 ? x[xo + j] : 0f;
        }
    }

    @Override
    public void apply(float[] x, int xo, float[] y, int yo, boolean bias, float[] work) {
        im2col(x, xo, work);
        for (int f = 0; f < filters; f++) {
            int yf = yo + f * p;
            OpKernels.scaledRowSum(w, f * q, q, work, 0, p, p, y, yf);
            if (bias) {
                float bf = b[f];
                for (int pi = 0; pi < p; pi++) {
                    y[yf + pi] += bf;
                }
            }
        }
    }

    @Override
    public void applyTransposed(float[] r, int ro, float[] out, int qo, float[] work) {
        for (int i = 0; i < q; i++) {
            OpKernels.scaledRowSum(wt, i * filters, filters, r, ro, p, p, work, i * p);
        }
        Arrays.fill(out, qo, qo + layer.inputs(), 0f);
        for (int i = 0; i < source.length; i++) {
            int j = source[i];
            if (j >= 0) {
                out[qo + j] += work[i];
            }
        }
    }

    @Override
    public float columnDot(int j, float[] r, int ro) {
        float s = 0f;
        for (int e = colStart[j]; e < colStart[j + 1]; e++) {
            int qi = colQ[e];
            int o = ro + colP[e];
            for (int f = 0; f < filters; f++) {
                s += w[f * q + qi] * r[o + f * p];
            }
        }
        return s;
    }

    @Override
    public void columnAxpy(int j, float alpha, float[] r, int ro) {
        for (int e = colStart[j]; e < colStart[j + 1]; e++) {
            int qi = colQ[e];
            int o = ro + colP[e];
            for (int f = 0; f < filters; f++) {
                r[o + f * p] += alpha * w[f * q + qi];
            }
        }
    }

    @Override
    public float[] columnNorms() {
        return c;
    }

    @Override
    public void accumulateGradient(float[] lambda, int lo, float[] x, int xo, float scale, float[] gw, float[] gb,
                                   float[] work) {
        im2col(x, xo, work);
        for (int f = 0; f < filters; f++) {
            int lf = lo + f * p;
            float sum = 0f;
            for (int pi = 0; pi < p; pi++) {
                sum += lambda[lf + pi];
            }
            gb[f] += scale * sum;
            int kf = f * q;
            for (int i = 0; i < q; i++) {
                gw[kf + i] += scale * OpKernels.dot(lambda, lf, work, i * p, p);
            }
        }
    }
}
