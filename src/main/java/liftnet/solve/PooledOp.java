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
 * the inner op's {@code work} first, then {@code m} floats for {@code P x} or {@code W^T r}.
 */
final class PooledOp extends LinearOp {

    private final Pooling pool;
    private final LinearOp inner;
    private final int n;
    private final int m;
    /** {@code pooled(j)} for every input unit {@code j}. */
    private final int[] window;
    private final float scale;
    private final float[] c;

    /** {@code inner} must read {@code pool.outputs()} units. */
    PooledOp(Pooling pool, LinearOp inner) {
        if (inner.inputs() != pool.outputs()) {
            throw new IllegalArgumentException("the op after " + pool.token() + " reads " + inner.inputs()
                    + " units; the pooled map " + pool.outputShape() + " has " + pool.outputs());
        }
        this.pool = pool;
        this.inner = inner;
        this.n = pool.inputs();
        this.m = pool.outputs();
        this.window = new int[n];
        for (int j = 0; j < n; j++) {
            window[j] = pool.pooled(j);
        }
        this.scale = pool.weight();
        this.c = new float[n];
        refresh();
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
        return inner.workSize() + m;
    }

    @Override
    public void refresh() {
        inner.refresh();
        float[] ci = inner.columnNorms();
        float s2 = scale * scale;
        for (int j = 0; j < n; j++) {
            c[j] = ci[window[j]] * s2;
        }
    }

    /** {@code out[oo ..] = P x}: window means, summed in a fixed order. */
    private void pool(float[] x, int xo, float[] out, int oo) {
        Arrays.fill(out, oo, oo + m, 0f);
        for (int j = 0; j < n; j++) {
            out[oo + window[j]] += x[xo + j];
        }
        for (int o = 0; o < m; o++) {
            out[oo + o] *= scale;
        }
    }

    @Override
    public void apply(float[] x, int xo, float[] y, int yo, boolean bias, float[] work) {
        int pooled = inner.workSize();
        pool(x, xo, work, pooled);
        inner.apply(work, pooled, y, yo, bias, work);
    }

    @Override
    public void applyTransposed(float[] r, int ro, float[] q, int qo, float[] work) {
        int pooled = inner.workSize();
        inner.applyTransposed(r, ro, work, pooled, work);
        for (int j = 0; j < n; j++) {
            q[qo + j] = scale * work[pooled + window[j]];
        }
    }

    @Override
    public float columnDot(int j, float[] r, int ro) {
        return scale * inner.columnDot(window[j], r, ro);
    }

    @Override
    public void columnAxpy(int j, float alpha, float[] r, int ro) {
        inner.columnAxpy(window[j], alpha * scale, r, ro);
    }

    @Override
    public float[] columnNorms() {
        return c;
    }

    @Override
    public void accumulateGradient(float[] lambda, int lo, float[] x, int xo, float scale, float[] gw, float[] gb,
                                   float[] work) {
        int pooled = inner.workSize();
        pool(x, xo, work, pooled);
        inner.accumulateGradient(lambda, lo, work, pooled, scale, gw, gb, work);
    }
}
