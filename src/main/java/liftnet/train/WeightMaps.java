package liftnet.train;

import liftnet.api.ConvLayer;
import liftnet.api.NetConfig;
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

    /**
     * {@code y = W_k x}.
     *
     * @param x {@code n_k} values; not modified
     * @param y {@code n_{k+1}} values; overwritten
     */
    void apply(int k, double[] x, double[] y) {
        Pooling pool = net.pooling(k);
        taps(k, Product.APPLY, pool == null ? x : pool(pool, x), null, y, 1);
    }

    /**
     * {@code q = W_k^T r} (for a convolution, the transposed convolution).
     *
     * @param r {@code n_{k+1}} values; not modified
     * @param q {@code n_k} values; overwritten
     */
    void applyTransposed(int k, double[] r, double[] q) {
        applyTransposed(k, new double[][] {r}, new double[][] {q});
    }

    /**
     * {@code q[v] = W_k^T r[v]} for every {@code v} in one pass over the taps: the vectors' entries lie side by side,
     * so each tap's indices serve all of them (each {@code q[v]} gets the sums it would get alone, in the same order).
     *
     * @param r vectors of {@code n_{k+1}} values; not modified
     * @param q as many vectors of {@code n_k} values; overwritten
     */
    void applyTransposed(int k, double[][] r, double[][] q) {
        int count = r.length;
        Pooling pool = net.pooling(k);
        double[] side = r[0]; // one vector lies side by side already
        if (count > 1) {
            side = new double[r[0].length * count];
            for (int v = 0; v < count; v++) {
                for (int o = 0; o < r[v].length; o++) {
                    side[o * count + v] = r[v][o];
                }
            }
        }
        double[] t = new double[(pool == null ? q[0].length : net.pooledWidth(k)) * count];
        taps(k, Product.TRANSPOSED, side, null, t, count);
        double w = pool == null ? 1 : 1.0 / (pool.size() * pool.size());
        for (int v = 0; v < count; v++) {
            for (int j = 0; j < q[v].length; j++) {
                q[v][j] = pool == null ? t[j * count + v] : w * t[pool.pooled(j) * count + v];
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
        double[] scaled = new double[lambda.length];
        for (int i = 0; i < lambda.length; i++) {
            scaled[i] = scale * lambda[i];
            gb[biasOf(k, i)] += scaled[i];
        }
        taps(k, Product.GRADIENT, scaled, pool == null ? input : pool(pool, input), gw, 1);
    }

    /**
     * {@code out += H v} for the energy's first {@code terms} terms, {@code H} their Hessian in {@code z_1..z_terms}:
     * the {@link #addResidualTerm}s of {@code r_k = v_{k+1} - W_k v_k} ({@code v_0 = 0}).
     *
     * @param v   entries {@code 1..terms}; not modified
     * @param out entries {@code 1..terms}, allocated; modified
     */
    void addEnergyHessianTimes(NetConfig config, int terms, double[][] v, double[][] out) {
        for (int k = 0; k < terms; k++) {
            double[] r = v[k + 1].clone();
            if (k > 0) {
                double[] wv = new double[r.length];
                apply(k, v[k], wv);
                for (int i = 0; i < r.length; i++) {
                    r[i] -= wv[i];
                }
            }
            addResidualTerm(config, k, r, out);
        }
    }

    /**
     * What term {@code k} of the energy, {@code g_k / 2 ||r_k||^2} with {@code g_k = gamma^k}, adds to the derivative in
     * {@code z_1..z_L} through its residual {@code r_k}: {@code out_{k+1} += g_k r_k} and, for {@code k >= 1},
     * {@code out_k -= g_k W_k^T r_k}.
     *
     * @param r   {@code n_{k+1}} values; not modified
     * @param out entries {@code k} ({@code k >= 1}) and {@code k + 1}, allocated; modified
     */
    void addResidualTerm(NetConfig config, int k, double[] r, double[][] out) {
        double g = config.termWeight(k);
        for (int i = 0; i < r.length; i++) {
            out[k + 1][i] += g * r[i];
        }
        if (k > 0) {
            double[] back = new double[out[k].length];
            applyTransposed(k, r, back);
            for (int j = 0; j < back.length; j++) {
                out[k][j] -= g * back[j];
            }
        }
    }

    /** The bias {@code b_k} of each of the {@code n_{k+1}} units (a convolution's filter bias repeated); a new array. */
    double[] unitBiases(int k) {
        float[] b = p.bias(k);
        double[] out = new double[net.width(k + 1)];
        for (int i = 0; i < out.length; i++) {
            out[i] = b[biasOf(k, i)];
        }
        return out;
    }

    /** The bias of output unit {@code i} of layer {@code k}: its filter for a convolution, else {@code i}. */
    private int biasOf(int k, int i) {
        ConvLayer c = net.conv(k);
        return c == null ? i : i / (c.outHeight() * c.outWidth());
    }

    /** What {@link #taps} computes. */
    private enum Product { APPLY, TRANSPOSED, GRADIENT }

    /**
     * The one loop over the taps {@code (o, w, x)} of layer {@code k}'s own map {@code y_o = sum W[w] x'_x} (a dense
     * layer is the 1x1 convolution of its {@code n_k} inputs as channels): {@code APPLY} {@code target[o] += W[w] a[x]},
     * {@code TRANSPOSED} {@code target[x] += W[w] a[o]} (outputs {@code a[o] = 0} skipped), {@code GRADIENT}
     * {@code target[w] += a[o] b[x]} (the same skip). {@code target} is modified, {@code a} and {@code b} are not.
     * {@code APPLY} and {@code TRANSPOSED} clear {@code target} first. {@code TRANSPOSED} takes {@code count} vectors
     * side by side ({@code a[o count + v]}, {@code target[x count + v]}); the others one ({@code count} 1).
     */
    private void taps(int k, Product product, double[] a, double[] b, double[] target, int count) {
        float[] w = p.weight(k);
        ConvLayer c = net.conv(k);
        if (c == null) {
            c = new ConvLayer(net.pooledWidth(k), 1, 1, net.width(k + 1), 1, 1);
        }
        if (product != Product.GRADIENT) {
            java.util.Arrays.fill(target, 0);
        }
        int oh = c.outHeight();
        int ow = c.outWidth();
        int kk = c.kernel();
        for (int f = 0; f < c.filters(); f++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int o = (f * oh + oy) * ow + ox;
                    if (product != Product.APPLY && allZero(a, o * count, count)) {
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
                                if (xx < 0 || xx >= c.width()) {
                                    continue;
                                }
                                int wi = ((f * c.channels() + ch) * kk + dy) * kk + dx;
                                int xi = (ch * c.height() + yy) * c.width() + xx;
                                switch (product) {
                                    case APPLY -> target[o] += w[wi] * a[xi];
                                    case TRANSPOSED -> {
                                        for (int v = 0; v < count; v++) {
                                            target[xi * count + v] += w[wi] * a[o * count + v];
                                        }
                                    }
                                    case GRADIENT -> target[wi] += a[o] * b[xi];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static boolean allZero(double[] a, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return true;
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
