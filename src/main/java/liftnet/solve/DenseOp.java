package liftnet.solve;

/**
 * A dense layer: {@code W} row-major {@code [m x n]}, with a transposed copy {@code W^T [n x m]} so that both
 * products run as unit-stride {@code y += x_j * row} loops, which the JIT vectorises, and skip zero entries of
 * {@code x} (most pixels, and ReLU units at 0).
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
        if (bias) {
            System.arraycopy(b, 0, y, yo, m);
        } else {
            java.util.Arrays.fill(y, yo, yo + m, 0f);
        }
        for (int j = 0; j < n; j++) {
            float xj = x[xo + j];
            if (xj != 0f) {
                int o = j * m;
                for (int i = 0; i < m; i++) {
                    y[yo + i] += xj * wt[o + i];
                }
            }
        }
    }

    @Override
    public void applyTransposed(float[] r, int ro, float[] q, int qo, float[] work) {
        java.util.Arrays.fill(q, qo, qo + n, 0f);
        for (int i = 0; i < m; i++) {
            float ri = r[ro + i];
            if (ri != 0f) {
                int o = i * n;
                for (int j = 0; j < n; j++) {
                    q[qo + j] += ri * w[o + j];
                }
            }
        }
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
