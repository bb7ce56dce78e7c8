package liftnet.train;

import liftnet.api.ConvLayer;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Pooling;

/**
 * The weight layers of a net as linear maps in double precision, for the checks of symmetric nudging
 * ({@link NudgeBound}, {@link ImplicitGradient}): {@code W_k x}, {@code W_k^T r} and the weight gradient
 * {@code lambda x^T}, dense or convolutional ({@link ConvLayer}: the kernel {@code K[f, c, dy, dx]}, 'same' padding),
 * after the average pooling {@code P} of its input where the net has one (the map is then {@code W_k P_k},
 * {@link Pooling}), reading the weights of a {@link Parameters} in its layout. Biases play no part. Stateless.
 */
final class WeightMaps {

    private final NetSpec net;
    private final Parameters p;

    WeightMaps(Parameters p) {
        this.net = p.net();
        this.p = p;
    }

    NetSpec net() {
        return net;
    }

    /** The parameters read (not copied). */
    Parameters parameters() {
        return p;
    }

    /**
     * {@code y = W_k x}.
     *
     * @param x {@code n_k} values; not modified
     * @param y {@code n_{k+1}} values; overwritten
     */
    void apply(int k, double[] x, double[] y) {
        Pooling pool = net.pooling(k);
        applyOwn(k, pool == null ? x : pool(pool, x), y);
    }

    /** {@code W_k x'} for {@code x'} the (pooled) input of the layer's own map. */
    private void applyOwn(int k, double[] x, double[] y) {
        float[] w = p.weight(k);
        java.util.Arrays.fill(y, 0);
        ConvLayer c = net.conv(k);
        if (c == null) {
            int cols = net.pooledWidth(k);
            for (int i = 0; i < y.length; i++) {
                double s = 0;
                for (int j = 0; j < cols; j++) {
                    s += w[i * cols + j] * x[j];
                }
                y[i] = s;
            }
            return;
        }
        int oh = c.outHeight();
        int ow = c.outWidth();
        int kk = c.kernel();
        for (int f = 0; f < c.filters(); f++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double s = 0;
                    for (int ch = 0; ch < c.channels(); ch++) {
                        for (int dy = 0; dy < kk; dy++) {
                            int yy = oy * c.stride() + dy - c.pad();
                            if (yy < 0 || yy >= c.height()) {
                                continue;
                            }
                            for (int dx = 0; dx < kk; dx++) {
                                int xx = ox * c.stride() + dx - c.pad();
                                if (xx >= 0 && xx < c.width()) {
                                    s += w[((f * c.channels() + ch) * kk + dy) * kk + dx] * x[(ch * c.height() + yy) * c.width() + xx];
                                }
                            }
                        }
                    }
                    y[(f * oh + oy) * ow + ox] = s;
                }
            }
        }
    }

    /**
     * {@code q = W_k^T r} (for a convolution, the transposed convolution).
     *
     * @param r {@code n_{k+1}} values; not modified
     * @param q {@code n_k} values; overwritten
     */
    void applyTransposed(int k, double[] r, double[] q) {
        Pooling pool = net.pooling(k);
        if (pool == null) {
            applyTransposedOwn(k, r, q);
            return;
        }
        double[] pooled = new double[net.pooledWidth(k)];
        applyTransposedOwn(k, r, pooled);
        double w = 1.0 / (pool.size() * pool.size());
        for (int j = 0; j < q.length; j++) {
            q[j] = w * pooled[pool.pooled(j)];
        }
    }

    /** {@code W_k^T r} into the (pooled) input of the layer's own map. */
    private void applyTransposedOwn(int k, double[] r, double[] q) {
        float[] w = p.weight(k);
        java.util.Arrays.fill(q, 0);
        ConvLayer c = net.conv(k);
        if (c == null) {
            int cols = net.pooledWidth(k);
            for (int i = 0; i < r.length; i++) {
                double ri = r[i];
                if (ri != 0) {
                    for (int j = 0; j < cols; j++) {
                        q[j] += w[i * cols + j] * ri;
                    }
                }
            }
            return;
        }
        int oh = c.outHeight();
        int ow = c.outWidth();
        int kk = c.kernel();
        for (int f = 0; f < c.filters(); f++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double ri = r[(f * oh + oy) * ow + ox];
                    if (ri == 0) {
                        continue;
                    }
                    for (int ch = 0; ch < c.channels(); ch++) {
                        for (int dy = 0; dy < kk; dy++) {
                            int yy = oy * c.stride() + dy - c.pad();
                            if (yy < 0 || yy >= c.height()) {
                                continue;
                            }
                            for (int dx = 0; dx < kk; dx++) {
                                int xx = ox * c.stride() + dx - c.pad();
                                if (xx >= 0 && xx < c.width()) {
                                    q[(ch * c.height() + yy) * c.width() + xx] += w[((f * c.channels() + ch) * kk + dy) * kk + dx] * ri;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * {@code gw += scale lambda x^T}, {@code gb += scale lambda} in the parameters' layout (for a convolution the
     * correlation of {@code lambda} with {@code x} and the per-filter sums).
     *
     * @param lambda {@code n_{k+1}} values, {@code x} {@code n_k} values; not modified
     * @param gw     modified
     * @param gb     modified
     */
    void accumulateGradient(int k, double[] lambda, double[] input, double scale, double[] gw, double[] gb) {
        Pooling pool = net.pooling(k);
        double[] x = pool == null ? input : pool(pool, input);
        ConvLayer c = net.conv(k);
        if (c == null) {
            int cols = net.pooledWidth(k);
            for (int i = 0; i < lambda.length; i++) {
                double li = scale * lambda[i];
                gb[i] += li;
                if (li != 0) {
                    for (int j = 0; j < cols; j++) {
                        gw[i * cols + j] += li * x[j];
                    }
                }
            }
            return;
        }
        int oh = c.outHeight();
        int ow = c.outWidth();
        int kk = c.kernel();
        for (int f = 0; f < c.filters(); f++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double li = scale * lambda[(f * oh + oy) * ow + ox];
                    gb[f] += li;
                    if (li == 0) {
                        continue;
                    }
                    for (int ch = 0; ch < c.channels(); ch++) {
                        for (int dy = 0; dy < kk; dy++) {
                            int yy = oy * c.stride() + dy - c.pad();
                            if (yy < 0 || yy >= c.height()) {
                                continue;
                            }
                            for (int dx = 0; dx < kk; dx++) {
                                int xx = ox * c.stride() + dx - c.pad();
                                if (xx >= 0 && xx < c.width()) {
                                    gw[((f * c.channels() + ch) * kk + dy) * kk + dx] += li * x[(ch * c.height() + yy) * c.width() + xx];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@code P x}: the average of each window. */
    private static double[] pool(Pooling pool, double[] x) {
        double[] out = new double[pool.outputs()];
        double w = 1.0 / (pool.size() * pool.size());
        for (int j = 0; j < x.length; j++) {
            out[pool.pooled(j)] += w * x[j];
        }
        return out;
    }
}
