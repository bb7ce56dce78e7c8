package liftnet.solve;

import static liftnet.solve.VectorKernels.pad;

import java.util.Arrays;

/**
 * A dense layer {@code W [m x n]} in the layouts the {@link VectorKernels} want, rows padded to
 * {@link VectorKernels#PAD}: {@code wt = W^T} as {@code [n x pad(m)]}, for the products with {@code W}, the
 * gradient's rows and the updates; {@code w = W} as {@code [m x pad(n)]} and the column norms
 * {@code c_j = ||W[:, j]||^2} (layers after the first only), for {@code W^T v}; the bias padded. Padding entries
 * are zero and stay zero. The gradient {@code G^T} is kept in the layout of {@code wt}.
 */
public class DenseOp implements LayerOp {

    final int m;
    final int n;
    final int sIn;
    final int sOut;
    final float[] wt;
    final float[] w;
    final float[] b;
    final float[] c;
    final float[] gradT;
    final float[] gradB;

    /** @param rows whether to keep {@code W} and {@code c} (a layer whose input is solved for) */
    DenseOp(int outputs, int inputs, boolean rows) {
        this.m = outputs;
        this.n = inputs;
        this.sIn = pad(n);
        this.sOut = pad(m);
        wt = new float[n * sOut];
        b = new float[sOut];
        w = rows ? new float[m * sIn] : null;
        c = rows ? new float[sIn] : null;
        gradT = new float[wt.length];
        gradB = new float[sOut];
    }

    @Override
    public int inputs() {
        return n;
    }

    @Override
    public int outputs() {
        return m;
    }

    @Override
    public void set(float[] weight, float[] bias) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                wt[j * sOut + i] = weight[i * n + j];
            }
        }
        System.arraycopy(bias, 0, b, 0, m);
        refreshRows(0, n);
    }

    @Override
    public void get(float[] weight, float[] bias) {
        transposeOut(wt, b, weight, bias);
    }

    @Override
    public void gradient(float[] weight, float[] bias) {
        transposeOut(gradT, gradB, weight, bias);
    }

    private void transposeOut(float[] t, float[] tb, float[] weight, float[] bias) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                weight[i * n + j] = t[j * sOut + i];
            }
        }
        System.arraycopy(tb, 0, bias, 0, m);
    }

    /** Recomputes {@code c_j = ||wt[j, :]||^2} and the columns {@code w[:, j]} for units {@code j0 <= j < j1}. */
    private void refreshRows(int j0, int j1) {
        if (w == null) {
            return;
        }
        for (int j = j0; j < j1; j++) {
            c[j] = (float) VectorKernels.squaredNorm(wt, j * sOut, sOut);
            for (int i = 0; i < m; i++) {
                w[i * sIn + j] = wt[j * sOut + i];
            }
        }
    }

    @Override
    public void apply(float[] x, int xo, int xs, int rows, float[] y, int yo, int ys, boolean bias, float[] work) {
        VectorKernels.rowBlockTimesMatrix(x, xo, xs, rows, n, wt, sOut, bias ? b : null, y, yo, ys);
    }

    @Override
    public void applyTransposed(float[] v, int vo, int vs, int rows, float[] q, int qo, int qs, float[] work) {
        VectorKernels.rowBlockTimesMatrix(v, vo, vs, rows, m, w, sIn, null, q, qo, qs);
    }

    @Override
    public float[] columnNorms() {
        return c;
    }

    @Override
    public float columnDot(int j, float[] v, int vo) {
        return VectorKernels.dot(wt, j * sOut, v, vo, sOut);
    }

    @Override
    public void columnAxpy(int j, float alpha, float[] v, int vo) {
        VectorKernels.axpy(alpha, wt, j * sOut, v, vo, sOut);
    }

    @Override
    public int gradientRows() {
        return n;
    }

    @Override
    public boolean accumulateGradient(int p0, int p1, GradientTerms t, float[] work) {
        Arrays.fill(gradT, p0 * sOut, p1 * sOut, 0f);
        addGradient(p0, p1, t);
        return VectorKernels.allFinite(gradT, p0 * sOut, (p1 - p0) * sOut);
    }

    /** Adds the terms' gradient to rows {@code p0 .. p1} of {@code gradT} (zeroed). */
    void addGradient(int p0, int p1, GradientTerms t) {
        VectorKernels.accumulateOuter(t.zA(), t.lambdaA(), -t.scale(), t.zB(), t.lambdaB(), t.scale(), t.inStride(),
                t.rows(), sOut, gradT, p0, p1);
    }

    @Override
    public boolean accumulateBias(GradientTerms t) {
        return t.biasGradient(gradB, sOut, 1);
    }

    @Override
    public void step(int p0, int p1, float eta) {
        VectorKernels.axpy(-eta, gradT, p0 * sOut, wt, p0 * sOut, (p1 - p0) * sOut);
        refreshRows(p0, p1);
    }

    @Override
    public void stepBias(float eta) {
        VectorKernels.axpy(-eta, gradB, 0, b, 0, sOut);
    }
}
