package liftnet.solve;

/**
 * A dense layer: {@code W} row-major {@code [m x n]}, with a transposed copy {@code W^T [n x m]} so that both
 * products are sums of unit-stride rows ({@link OpKernels#scaledRowSum}).
 */
final class DenseOp extends LinearOp {

    private final int m;
    private final int n;
    private final float[] w;
    private final float[] b;
    private final float[] wt;
    private final float[] c;

    DenseOp(int outputs, int inputs, float[] w, float[] b) {
        this.m = outputs;
        this.n = inputs;
        this.w = w;
        this.b = b;
        this.wt = new float[m * n];
        this.c = new float[n];
        refresh();
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
    public int workSize() {
        return 0;
    }

    @Override
    public void refresh() {
        java.util.Arrays.fill(c, 0f);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float v = w[i * n + j];
                wt[j * m + i] = v;
                c[j] += v * v;
            }
        }
    }

    @Override
    public void apply(float[] x, int xo, float[] y, int yo, boolean bias, float[] work) {
        OpKernels.scaledRowSum(x, xo, n, wt, 0, m, m, y, yo);
        if (bias) {
            for (int i = 0; i < m; i++) {
                y[yo + i] += b[i];
            }
        }
    }

    @Override
    public void applyTransposed(float[] r, int ro, float[] q, int qo, float[] work) {
        OpKernels.scaledRowSum(r, ro, m, w, 0, n, n, q, qo);
    }

    @Override
    public float columnDot(int j, float[] r, int ro) {
        int o = j * m;
        float s = 0f;
        for (int i = 0; i < m; i++) {
            s += wt[o + i] * r[ro + i];
        }
        return s;
    }

    @Override
    public void columnAxpy(int j, float alpha, float[] r, int ro) {
        int o = j * m;
        for (int i = 0; i < m; i++) {
            r[ro + i] += alpha * wt[o + i];
        }
    }

    @Override
    public float[] columnNorms() {
        return c;
    }

    @Override
    public void accumulateGradient(float[] lambda, int lo, float[] x, int xo, float scale, float[] gw, float[] gb,
                                   float[] work) {
        for (int i = 0; i < m; i++) {
            float l = scale * lambda[lo + i];
            gb[i] += l;
            if (l != 0f) {
                int o = i * n;
                for (int j = 0; j < n; j++) {
                    gw[o + j] += l * x[xo + j];
                }
            }
        }
    }
}
