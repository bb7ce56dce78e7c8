package liftnet.solve;

import java.util.Arrays;
import liftnet.api.Pooling;

/**
 * A weight layer that reads an average-pooled input: the composition {@code W P} of a {@link Pooling} {@code P}
 * ({@code n_k} units to {@code m} pooled ones) and the layer's own op {@code W} ({@link DenseOp} or {@link ConvOp} on
 * the pooled image, {@code m} to {@code n_{k+1}}). Pooling is linear, so the lifted energy keeps its form with
 * {@code a_{k+1} = W P z_k + b}, and every product is the inner op's with {@code P} or {@code P^T} beside it:
 * <pre>
 * (W P) x         = W (P x)                    P x: the mean of each K x K window
 * (W P)^T r       = P^T (W^T r)                P^T s: each pooled value / K^2, spread over its window
 * (W P)[:, j]     = W[:, o] / K^2              o = pooled(j), the window that holds unit j
 * c_j             = ||W[:, o]||^2 / K^4
 * dE/dW          += lambda (P x)^T             the inner op's gradient at the pooled input
 * </pre>
 * The weights are the inner op's (the parameters of the pooled layer, e.g. a dense {@code [n_{k+1}, m]}). Scratch:
 * the inner op's {@code work} first, then a block of pooled rows ({@code pad(m)} apart).
 */
final class PooledOp implements LayerOp {

    private final LayerOp inner;
    private final int n;
    private final int m;
    /** {@code pad(m)}: the distance between pooled rows. */
    private final int sm;
    /** {@code pooled(j)} for every input unit {@code j}. */
    private final int[] window;
    private final float scale;
    private final float[] c;
    /** The most rows a product gets at once. */
    private final int block;
    /** The last gradient terms seen and their pooled twin, shared by the threads that sum the gradient's rows. */
    private GradientTerms lastTerms;
    private GradientTerms pooledTerms;
    /** {@code P zA} and {@code P zB} of the last terms' rows, {@code pad(m)} apart. */
    private float[] pooledA = new float[0];
    private float[] pooledB = new float[0];

    /** {@code inner} must read {@code pool.outputs()} units; {@code block}: the most rows a product gets at once. */
    PooledOp(Pooling pool, LayerOp inner, int block) {
        if (inner.inputs() != pool.outputs()) {
            throw new IllegalArgumentException("the op after " + pool.token() + " reads " + inner.inputs()
                    + " units; the pooled map " + pool.outputShape() + " has " + pool.outputs());
        }
        this.inner = inner;
        this.block = block;
        this.n = pool.inputs();
        this.m = pool.outputs();
        this.sm = VectorKernels.pad(m);
        this.window = new int[n];
        for (int j = 0; j < n; j++) {
            window[j] = pool.pooled(j);
        }
        this.scale = pool.weight();
        this.c = new float[VectorKernels.pad(n)];
    }

    @Override
    public int inputs() {
        return n;
    }

    @Override
    public int outputs() {
        return inner.outputs();
    }

    @Override
    public int workSize() {
        return inner.workSize() + block * sm;
    }

    @Override
    public void set(float[] weight, float[] bias) {
        inner.set(weight, bias);
        stepped();
    }

    @Override
    public void get(float[] weight, float[] bias) {
        inner.get(weight, bias);
    }

    /** {@code c_j = c_inner[pooled(j)] / K^4}, after the inner op's weights changed. */
    @Override
    public void stepped() {
        inner.stepped();
        float[] ci = inner.columnNorms();
        float s2 = scale * scale;
        for (int j = 0; j < n; j++) {
            c[j] = ci[window[j]] * s2;
        }
    }

    /** {@code out[oo ..] = P x}: window means, summed in a fixed order; the padding zeroed. */
    private void pool(float[] x, int xo, float[] out, int oo) {
        Arrays.fill(out, oo, oo + sm, 0f);
        for (int j = 0; j < n; j++) {
            out[oo + window[j]] += x[xo + j];
        }
        for (int o = 0; o < m; o++) {
            out[oo + o] *= scale;
        }
    }

    @Override
    public void apply(float[] x, int xo, int xs, int rows, float[] y, int yo, int ys, boolean bias, float[] work) {
        int pooled = inner.workSize();
        for (int r = 0; r < rows; r++) {
            pool(x, xo + r * xs, work, pooled + r * sm);
        }
        inner.apply(work, pooled, sm, rows, y, yo, ys, bias, work);
    }

    @Override
    public void applyTransposed(float[] v, int vo, int vs, int rows, float[] q, int qo, int qs, float[] work) {
        int pooled = inner.workSize();
        inner.applyTransposed(v, vo, vs, rows, work, pooled, sm, work);
        for (int r = 0; r < rows; r++) {
            int row = qo + r * qs;
            int src = pooled + r * sm;
            for (int j = 0; j < n; j++) {
                q[row + j] = scale * work[src + window[j]];
            }
            Arrays.fill(q, row + n, row + c.length, 0f);
        }
    }

    @Override
    public float[] columnNorms() {
        return c;
    }

    @Override
    public float columnDot(int j, float[] v, int vo) {
        return scale * inner.columnDot(window[j], v, vo);
    }

    @Override
    public void columnAxpy(int j, float alpha, float[] v, int vo) {
        inner.columnAxpy(window[j], alpha * scale, v, vo);
    }

    @Override
    public int gradientRows() {
        return inner.gradientRows();
    }

    /** The inner op's gradient at the pooled inputs {@code P zA}, {@code P zB}, pooled once per set of terms. */
    @Override
    public boolean accumulateGradient(int p0, int p1, GradientTerms t, float[] work) {
        return inner.accumulateGradient(p0, p1, pooled(t), work);
    }

    private synchronized GradientTerms pooled(GradientTerms t) {
        if (t != lastTerms) {
            if (pooledA.length < t.rows() * sm) {
                pooledA = new float[t.rows() * sm];
                pooledB = new float[t.rows() * sm];
            }
            for (int r = 0; r < t.rows(); r++) {
                pool(t.zA(), r * t.inStride(), pooledA, r * sm);
                if (t.zB() != null) {
                    pool(t.zB(), r * t.inStride(), pooledB, r * sm);
                }
            }
            pooledTerms = new GradientTerms(pooledA, t.lambdaA(), t.zB() == null ? null : pooledB, t.lambdaB(),
                    t.scale(), t.rows(), sm, t.outStride(), t.inputs());
            lastTerms = t;
        }
        return pooledTerms;
    }

    @Override
    public boolean accumulateBias(GradientTerms t) {
        return inner.accumulateBias(t);
    }

    @Override
    public void gradient(float[] weight, float[] bias) {
        inner.gradient(weight, bias);
    }

    @Override
    public void step(int p0, int p1, float eta) {
        inner.step(p0, p1, eta);
    }

    @Override
    public void stepBias(float eta) {
        inner.stepBias(eta);
    }
}
