package liftnet.solve;

import static liftnet.solve.VectorKernels.pad;

import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;

/**
 * The weights of a net in the layouts the CPU kernels want, rows padded to {@link VectorKernels#PAD}:
 * {@code wt[k] = W_k^T} as {@code [n_k x pad(n_{k+1})]} (every layer), {@code w[k] = W_k} as
 * {@code [n_{k+1} x pad(n_k)]} (hidden-to-hidden layers {@code k >= 1} only, for {@code W_k^T r}),
 * {@code b[k]} padded, and the squared column norms {@code c[k][j] = ||W_k[:, j]||^2} for {@code k >= 1}.
 * Padding entries are zero and stay zero.
 */
public final class PaddedWeights {

    final NetSpec net;
    final int layers;
    final int[] width;
    final int[] stride;
    final float[][] wt;
    final float[][] w;
    final float[][] b;
    final float[][] c;

    public PaddedWeights(NetSpec net) {
        this.net = net;
        this.layers = net.layers();
        this.width = net.widths();
        this.stride = new int[width.length];
        for (int k = 0; k < width.length; k++) {
            stride[k] = pad(width[k]);
        }
        wt = new float[layers][];
        w = new float[layers][];
        b = new float[layers][];
        c = new float[layers][];
        for (int k = 0; k < layers; k++) {
            wt[k] = new float[width[k] * stride[k + 1]];
            b[k] = new float[stride[k + 1]];
            if (k >= 1) {
                w[k] = new float[width[k + 1] * stride[k]];
                c[k] = new float[stride[k]];
            }
        }
    }

    public NetSpec net() {
        return net;
    }

    /** Width of layer {@code k}. */
    public int width(int k) {
        return width[k];
    }

    /** Padded row stride of activations of layer {@code k}. */
    public int stride(int k) {
        return stride[k];
    }

    public int layers() {
        return layers;
    }

    /** {@code W_k^T}, {@code [n_k x pad(n_{k+1})]}; live. */
    public float[] transposed(int k) {
        return wt[k];
    }

    /** {@code W_k}, {@code [n_{k+1} x pad(n_k)]}, for {@code k >= 1}; live. */
    public float[] rows(int k) {
        return w[k];
    }

    /** Padded {@code b_k}; live. */
    public float[] bias(int k) {
        return b[k];
    }

    /** Copies {@code p} in. {@code p} is not modified. */
    public void set(Parameters p) {
        if (!p.net().equals(net)) {
            throw new IllegalArgumentException("parameters are for net " + p.net() + ", the engine holds " + net);
        }
        for (int k = 0; k < layers; k++) {
            float[] src = p.weight(k);
            int rows = width[k + 1];
            int cols = width[k];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    wt[k][j * stride[k + 1] + i] = src[i * cols + j];
                }
            }
            System.arraycopy(p.bias(k), 0, b[k], 0, rows);
        }
        refreshDerived(0, layers);
    }

    /** A copy as plain {@link Parameters}. */
    public Parameters get() {
        Parameters p = Parameters.zeros(net);
        for (int k = 0; k < layers; k++) {
            float[] dst = p.weight(k);
            int rows = width[k + 1];
            int cols = width[k];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    dst[i * cols + j] = wt[k][j * stride[k + 1] + i];
                }
            }
            System.arraycopy(b[k], 0, p.bias(k), 0, rows);
        }
        return p;
    }

    /**
     * Recomputes {@code w[k]} and {@code c[k]} from {@code wt[k]} for layers {@code k0 <= k < k1} (after
     * {@code wt} changed).
     */
    public void refreshDerived(int k0, int k1) {
        for (int k = Math.max(1, k0); k < k1; k++) {
            refreshDerivedRows(k, 0, width[k]);
        }
    }

    /**
     * Recomputes, for layer {@code k >= 1} and units {@code j0 <= j < j1} (rows of {@code wt[k]}), the columns
     * {@code w[k][:, j]} and the norms {@code c[k][j] = ||wt[k][j, :]||^2}. Does nothing for {@code k = 0}.
     */
    public void refreshDerivedRows(int k, int j0, int j1) {
        if (k == 0) {
            return;
        }
        int rows = width[k + 1];
        int sOut = stride[k + 1];
        int sIn = stride[k];
        float[] t = wt[k];
        float[] m = w[k];
        for (int j = j0; j < j1; j++) {
            c[k][j] = (float) VectorKernels.squaredNorm(t, j * sOut, sOut);
        }
        for (int i = 0; i < rows; i++) {
            for (int j = j0; j < j1; j++) {
                m[i * sIn + j] = t[j * sOut + i];
            }
        }
    }

    /** Energy weight {@code gamma^(m-1)} of the term of layer {@code m >= 1}, as float. */
    static float[] termWeights(NetConfig config) {
        int layers = config.net().layers();
        float[] tw = new float[layers + 1];
        for (int m = 1; m <= layers; m++) {
            tw[m] = (float) config.termWeight(m - 1);
        }
        return tw;
    }
}
