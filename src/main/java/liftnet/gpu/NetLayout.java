package liftnet.gpu;

import liftnet.api.NetSpec;
import liftnet.api.Parameters;

/**
 * Where a net's tensors sit in device buffers (the layout the kernels assume, see {@code kernels/common.cl}).
 *
 * <ul>
 *   <li>Activations of one phase: a row of {@code N = n_1 + ... + n_L} floats per sample, layer {@code k}
 *       at {@link #zOffset(int) zOffset(k)}; pre-activations and solver scratch use the same layout. The input
 *       {@code z_0} is its own {@code [B x n_0]} buffer.</li>
 *   <li>Parameters and gradients: {@code W_0, b_0, W_1, b_1, ...} as in {@code Parameters.flatten()}; a
 *       convolution's kernel {@code [F, C, K, K]} is a row-major {@code [F x C K K]} matrix there
 *       ({@link #paramRows}, {@link #paramCols}) and its biases {@code F} floats.</li>
 *   <li>Column norms {@code ||W_k[:, j]||^2} of the hidden layers {@code k = 1..L-1}, one after the other.</li>
 * </ul>
 */
public final class NetLayout {

    private final NetSpec net;
    private final int layers;
    private final int[] zOff;
    private final int[] wOff;
    private final int[] bOff;
    private final int[] cOff;
    private final int rowWidth;
    private final int paramCount;
    private final int colNormCount;
    private final int maxHidden;
    private final int maxWidth;

    public NetLayout(NetSpec net) {
        this.net = net;
        layers = net.layers();
        zOff = new int[layers + 1];
        int pos = 0;
        for (int k = 1; k <= layers; k++) {
            zOff[k] = pos;
            pos += net.width(k);
        }
        rowWidth = pos;
        wOff = new int[layers];
        bOff = new int[layers];
        cOff = new int[layers];
        long p = 0;
        int c = 0;
        for (int k = 0; k < layers; k++) {
            wOff[k] = (int) p;
            p += net.weightCount(k);
            bOff[k] = (int) p;
            p += net.biasCount(k);
            if (k >= 1) {
                cOff[k] = c;
                c += net.width(k);
            }
        }
        if (p > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("net " + net + " has " + p + " parameters; the GPU engines index them with int");
        }
        paramCount = (int) p;
        colNormCount = c;
        int mh = 0;
        for (int k = 1; k < layers; k++) {
            mh = Math.max(mh, net.width(k));
        }
        maxHidden = mh;
        int mw = 0;
        for (int k = 1; k <= layers; k++) {
            mw = Math.max(mw, net.width(k));
        }
        maxWidth = mw;
    }

    public NetSpec net() {
        return net;
    }

    /** {@code L}. */
    public int layers() {
        return layers;
    }

    /** {@code n_k}. */
    public int width(int k) {
        return net.width(k);
    }

    /** Offset of layer {@code k} (1..L) in an activation row. */
    public int zOffset(int k) {
        return zOff[k];
    }

    /** {@code N = n_1 + ... + n_L}, the length of an activation row. */
    public int rowWidth() {
        return rowWidth;
    }

    /** Offset of {@code W_k} in the parameter buffer. */
    public int wOffset(int k) {
        return wOff[k];
    }

    /** Offset of {@code b_k} in the parameter buffer. */
    public int bOffset(int k) {
        return bOff[k];
    }

    /** Rows of {@code W_k} as stored: {@code n_{k+1}} (dense) or the filters {@code F} (convolution). */
    public int paramRows(int k) {
        return net.biasCount(k);
    }

    /** Columns of {@code W_k} as stored: {@code n_k} (dense) or {@code C K K} (convolution). */
    public int paramCols(int k) {
        return net.fanIn(k);
    }

    /** Number of convolutions; they are weight layers {@code 0 .. convs() - 1}. */
    public int convs() {
        return net.convs().size();
    }

    /** The convolution of weight layer {@code k}, or {@code null} when it is dense. */
    public liftnet.api.ConvLayer conv(int k) {
        return net.conv(k);
    }

    /** Offset of the column norms of hidden layer {@code k} (1..L-1). */
    public int cOffset(int k) {
        return cOff[k];
    }

    public int paramCount() {
        return paramCount;
    }

    /** Number of column norms, {@code n_1 + ... + n_{L-1}} (at least 1, for the allocation). */
    public int colNormCount() {
        return Math.max(1, colNormCount);
    }

    /** Widest hidden layer (0 without hidden layers). */
    public int maxHidden() {
        return maxHidden;
    }

    /** Widest of layers 1..L. */
    public int maxWidth() {
        return maxWidth;
    }

    /**
     * The int table kernels read through {@code NW, ZOFF, WOFF, BOFF, COFF} ({@code 5L + 2} entries):
     * widths {@code n_0..n_L}, activation offsets {@code 0..L}, weight, bias and column-norm offsets
     * {@code 0..L-1}.
     */
    public int[] shapeTable() {
        int[] t = new int[5 * layers + 2];
        for (int k = 0; k <= layers; k++) {
            t[k] = net.width(k);
            t[layers + 1 + k] = zOff[k];
        }
        for (int k = 0; k < layers; k++) {
            t[2 * layers + 2 + k] = wOff[k];
            t[3 * layers + 2 + k] = bOff[k];
            t[4 * layers + 2 + k] = cOff[k];
        }
        return t;
    }

    /** The parameters of {@code net} held by {@code flat} in this layout (see {@link #wOffset}, {@link #bOffset}). */
    public Parameters unflatten(float[] flat, NetSpec net) {
        Parameters p = Parameters.zeros(net);
        for (int k = 0; k < layers(); k++) {
            float[] w = p.weight(k);
            System.arraycopy(flat, wOffset(k), w, 0, w.length);
            float[] b = p.bias(k);
            System.arraycopy(flat, bOffset(k), b, 0, b.length);
        }
        return p;
    }
}
