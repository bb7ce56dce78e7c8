package liftnet.gpu;

import static liftnet.gpu.Launcher.groups;

import liftnet.api.Pooling;

/**
 * Average pooling beside the products of the weight layer that reads it ({@code kernels/pool.cl}), the device
 * counterpart of {@code liftnet.solve.PooledOp}. Weight layer {@code k} with a {@link Pooling} {@code P} maps
 * {@code z_k} by {@code W_k P}; its own map {@code W_k} (dense, {@code gemm.cl}, or a convolution,
 * {@link ConvProducts}) reads {@link #inputs(int)} pooled units, and each product of the composition is that map's
 * on pooled rows with {@code P} or {@code P^T} beside it:
 * <pre>
 * forward        W (P z)              pool(), then W's forward product reading the scratch
 * transposed     P^T (W^T r)          W's transposed product into the scratch, then spread() (with the mask)
 * gradient       lambda (P z)^T       pool(), then W's weight gradient reading the scratch
 * column norms   ||W P e_j||^2 = ||W[:, pooled(j)]||^2 / K^4   W's norms into the scratch, then spread() at 1 / K^4
 * </pre>
 * The pooled rows live in {@link Workspace#pooled} ({@link #scratchWidth} floats per sample, rows
 * {@link #inputs(int)} apart); every launch goes to the one in-order queue, so a product's scratch is read before
 * the next product writes it. Nothing here waits for the device.
 */
final class PooledProducts {

    /** Work-group size of the pooling kernels (one dimension). */
    private static final int GROUP = 64;

    private final Workspace w;
    private final Launcher l;
    private final NetLayout lay;
    private final ConvProducts convs;
    /** The pooling of each weight layer's input, or {@code null}. */
    private final Pooling[] pools;

    PooledProducts(Workspace w, ConvProducts convs) {
        this.w = w;
        this.l = w.launcher;
        this.lay = w.lay;
        this.convs = convs;
        this.pools = new Pooling[lay.layers()];
        for (int k = 0; k < lay.layers(); k++) {
            pools[k] = lay.net().pooling(k);
        }
    }

    /** Floats per sample of the pooled scratch: the largest pooled input of a weight layer (1 without pooling). */
    static int scratchWidth(NetLayout lay) {
        int m = 1;
        for (int k = 0; k < lay.layers(); k++) {
            if (lay.net().pooling(k) != null) {
                m = Math.max(m, lay.net().pooledWidth(k));
            }
        }
        return m;
    }

    /** Whether weight layer {@code k} pools its input {@code z_k}. */
    boolean pools(int k) {
        return pools[k] != null;
    }

    /** The inputs of weight layer {@code k}'s own map: {@code n_k}, or the pooled size where it pools. */
    int inputs(int k) {
        return lay.net().pooledWidth(k);
    }

    /** The pooled scratch, {@link Workspace#pooled}: its rows hold {@link #inputs(int)} floats at offset 0. */
    GpuBuffer scratch() {
        return w.pooled;
    }

    /**
     * Scratch rows {@code = P in} for {@code batch} samples: {@code in}'s layer {@code k} at {@code offIn} of rows of
     * {@code ldIn} floats; the launch returns at once when {@code gate}'s first int is 0 ({@link Workspace#live}).
     */
    void pool(int k, int batch, GpuBuffer in, int offIn, int ldIn, GpuBuffer gate) {
        Pooling p = pooling(k);
        l.launch(geometry(Kernel.POOL_AVG.args().b(gate).i(batch), p).b(in).i(offIn).i(ldIn).b(w.pooled).i(0).i(p.outputs()),
                groups(p.outputs(), GROUP), batch, GROUP, 1, 0);
    }

    /**
     * {@code out = P^T} (the scratch rows), zero where {@code mask} (out's layout) is not strictly inside C when
     * {@code useMask}.
     *
     * @param out modified: layer {@code k}'s {@code n_k} columns at {@code offOut} of rows of {@code ldOut} floats
     */
    void spread(int k, int batch, GpuBuffer out, int offOut, int ldOut, GpuBuffer mask, boolean useMask, GpuBuffer gate) {
        Pooling p = pooling(k);
        spread(p, batch, p.weight(), out, offOut, ldOut, mask, useMask, gate);
    }

    private void spread(Pooling p, int batch, float scale, GpuBuffer out, int offOut, int ldOut, GpuBuffer mask,
                        boolean useMask, GpuBuffer gate) {
        l.launch(geometry(Kernel.POOL_SPREAD.args().b(gate).i(batch), p).b(w.pooled).i(0).i(p.outputs()).f(scale).b(out)
                .i(offOut).i(ldOut).b(mask).i(useMask ? 1 : 0).f(w.lo).f(w.hi), groups(p.inputs(), GROUP), batch, GROUP, 1, 0);
    }

    /**
     * The column norms of hidden layer {@code k}'s map {@code W_k P} into {@link Workspace#colNorms}:
     * {@code c_j = ||W_k[:, pooled(j)]||^2 / K^4}, from the norms of {@code W_k}'s own columns (a convolution's
     * from {@link ConvProducts#colNorms}, which writes them at the layer's place first; a dense layer's from
     * {@code dense_col_norms}). Uses the scratch's first row, so a batch must have been allocated.
     */
    void colNorms(int k) {
        Pooling p = pooling(k);
        int m = p.outputs();
        if (convs.isConv(k)) {
            convs.colNorms(k);
            l.copy(w.colNorms, 4L * lay.cOffset(k), w.pooled, 0, 4L * m);
        } else {
            l.launch(Kernel.DENSE_COL_NORMS.args().i(lay.width(k + 1)).i(m).b(w.params).i(lay.wOffset(k)).b(w.pooled).i(0),
                    groups(m, GROUP), 1, GROUP, 1, 0);
        }
        float s = p.weight();
        spread(p, 1, s * s, w.colNorms, lay.cOffset(k), p.inputs(), w.colNorms, false, w.always);
    }

    private Pooling pooling(int k) {
        Pooling p = pools[k];
        if (p == null) {
            throw new IllegalArgumentException("weight layer " + k + " of " + lay.net() + " does not pool its input");
        }
        return p;
    }

    /** The geometry arguments of pool.cl ({@code C, H, Wd, K}) appended to {@code a}. */
    private static KernelArgs geometry(KernelArgs a, Pooling p) {
        return a.i(p.channels()).i(p.height()).i(p.width()).i(p.size());
    }
}
