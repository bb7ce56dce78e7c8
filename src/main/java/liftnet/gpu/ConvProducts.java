package liftnet.gpu;

import static liftnet.gpu.Launcher.groups;

import liftnet.api.ConvLayer;

/**
 * The products of a convolutional weight layer {@code k} ({@code kernels/conv.cl}) over a batch, the counterparts of
 * the dense matrix kernels of {@code kernels/gemm.cl}: {@code W z (+ b)} ({@link #forward}), {@code W^T r}
 * ({@link #transposed}), the weight gradient {@code lambda z^T} as a correlation ({@link #weightGradient}) and the
 * column norms {@code c_j = ||W[:, j]||^2} ({@link #colNorms}). Operands are rows of the phase layout
 * ({@link NetLayout}); the kernel and biases are read from the parameter buffer at {@code W_k}'s place.
 */
final class ConvProducts {

    /** Work-group size of the conv kernels (one dimension). */
    private static final int GROUP = 64;

    private final Workspace w;
    private final Launcher l;
    private final NetLayout lay;

    ConvProducts(Workspace w) {
        this.w = w;
        this.l = w.launcher;
        this.lay = w.lay;
    }

    /** Whether weight layer {@code k} is a convolution. */
    boolean isConv(int k) {
        return lay.conv(k) != null;
    }

    private ConvLayer conv(int k) {
        ConvLayer c = lay.conv(k);
        if (c == null) {
            throw new IllegalArgumentException("weight layer " + k + " of " + lay.net() + " is dense");
        }
        return c;
    }

    /** The geometry arguments of conv.cl ({@code C, H, Wd, F, K, S, P, OH, OW}) appended to {@code a}. */
    private static KernelArgs geometry(KernelArgs a, ConvLayer c) {
        return a.i(c.channels()).i(c.height()).i(c.width()).i(c.filters()).i(c.kernel()).i(c.stride()).i(c.pad())
                .i(c.outHeight()).i(c.outWidth());
    }

    /** Multiply-adds of one sample through layer {@code k}, at most: {@code F H' W' C K K}. */
    private static double macs(ConvLayer c) {
        return (double) c.outputs() * c.fanIn();
    }

    /**
     * {@code out = W_k in (+ b_k)} for {@code batch} rows, and {@code z = out} ({@code zMode} 1) or
     * {@code z = Proj_C(out)} (2), as {@code gemm_nt}.
     *
     * @param out modified: layer {@code k + 1}'s columns at {@code offOut} of rows of {@code ld} floats
     * @param z   modified when {@code zMode} is not 0, at the same places
     */
    void forward(int k, int batch, GpuBuffer in, int offIn, int ldIn, boolean bias, GpuBuffer out, int offOut, int ld,
                 GpuBuffer z, int zMode) {
        ConvLayer c = conv(k);
        l.launch(geometry(Kernel.CONV_FORWARD.args().i(batch), c).b(in).i(offIn).i(ldIn).b(w.params).i(lay.wOffset(k))
                .b(w.params).i(lay.bOffset(k)).i(bias ? 1 : 0).b(out).i(offOut).i(ld).b(z).i(offOut).i(ld).i(zMode)
                .f(w.lo).f(w.hi), groups(c.outputs(), GROUP), batch, GROUP, 1, 0, 2.0 * batch * macs(c));
    }

    /**
     * {@code out = W_k^T (a - a2)} ({@code useA2}) or {@code W_k^T a}, zero where {@code mask} is not strictly inside
     * C ({@code useMask}), as {@code gemm_nn}: the transposed convolution.
     *
     * @param out modified: layer {@code k}'s columns at {@code offOut} of rows of {@code ldOut} floats
     */
    void transposed(int k, int batch, GpuBuffer a, GpuBuffer a2, boolean useA2, int offA, int ldA, GpuBuffer out,
                    int offOut, int ldOut, GpuBuffer mask, boolean useMask) {
        ConvLayer c = conv(k);
        l.launch(geometry(Kernel.CONV_TRANSPOSED.args().i(batch), c).b(a).b(a2).i(useA2 ? 1 : 0).i(offA).i(ldA)
                .b(w.params).i(lay.wOffset(k)).b(out).i(offOut).i(ldOut).b(mask).i(useMask ? 1 : 0).f(w.lo).f(w.hi),
                groups(c.inputs(), GROUP), batch, GROUP, 1, 0, 2.0 * batch * macs(c));
    }

    /**
     * {@code G_k = alpha corr(u - u2, v)} and {@code g_k = alpha sum (u - u2)} over the batch and the positions, or
     * {@code +=} when {@code accumulate}; {@code u} holds layer {@code k + 1}, {@code v} layer {@code k}.
     *
     * @param g modified at {@code W_k}'s and {@code b_k}'s places
     */
    void weightGradient(int k, int batch, GpuBuffer u, GpuBuffer u2, boolean useU2, int offU, int ldU, GpuBuffer v,
                        int offV, int ldV, GpuBuffer g, float alpha, boolean accumulate) {
        ConvLayer c = conv(k);
        l.launch(geometry(Kernel.CONV_WEIGHT_GRAD.args().i(batch), c).b(u).b(u2).i(useU2 ? 1 : 0).i(offU).i(ldU).b(v)
                .i(offV).i(ldV).b(g).i(lay.wOffset(k)).i(lay.bOffset(k)).f(alpha).i(accumulate ? 1 : 0),
                groups(c.weightCount() + c.filters(), GROUP), 1, GROUP, 1, 0, 2.0 * batch * macs(c));
    }

    /** The column norms of hidden layer {@code k} (1..L-1, a convolution) into {@link Workspace#colNorms}. */
    void colNorms(int k) {
        ConvLayer c = conv(k);
        l.launch(geometry(Kernel.CONV_COL_NORMS.args(), c).b(w.params).i(lay.wOffset(k)).b(w.colNorms).i(lay.cOffset(k)),
                groups(c.inputs(), GROUP), 1, GROUP, 1, 0);
    }
}
