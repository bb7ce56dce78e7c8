package liftnet.gpu;

import static liftnet.gpu.Launcher.groups;

import liftnet.api.ConvLayer;

/**
 * The products of a convolutional weight layer {@code k} ({@code kernels/conv.cl}) over a batch, the counterparts of
 * the dense matrix kernels of {@code kernels/gemm.cl}: {@code W z (+ b)} ({@link #forward}), {@code W^T r}
 * ({@link #transposed}), the weight gradient {@code lambda z^T} as a correlation ({@link #weightGradient}) and the
 * column norms {@code c_j = ||W[:, j]||^2} ({@link #colNorms}). Operands are rows of the phase layout
 * ({@link NetLayout}); the kernel and biases are read from the parameter buffer at {@code W_k}'s place. The
 * workspace's {@link ConvForm} chooses the kernels: one launch per product, two for a {@link ConvForm#GEMM} weight
 * gradient whose reduction is split ({@link #chunk}); the column norms are the direct kernel's in both forms (once
 * per weight update).
 */
final class ConvProducts {

    /** Work-group size of the direct conv kernels (one dimension). */
    private static final int GROUP = 64;
    private static final int TS = KernelSource.TILE;
    /** Rows and columns of output one implicit-GEMM work-group computes ({@code RB TS} in kernels/conv.cl). */
    static final int BLOCK = LayeredSolver.RB * TS;
    /** The implicit-GEMM weight gradient splits its reduction until about this many work-groups run... */
    static final int GRAD_GROUPS = 256;
    /** ...into chunks of at least this many output positions (16 slices of the reduction). */
    static final int MIN_CHUNK = 16 * TS;

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
     * @param gate the launch returns at once when its first int is 0 ({@link Workspace#live}, {@link Workspace#always})
     */
    void forward(int k, int batch, GpuBuffer in, int offIn, int ldIn, boolean bias, GpuBuffer out, int offOut, int ld,
                 GpuBuffer z, int zMode, GpuBuffer gate) {
        ConvLayer c = conv(k);
        boolean gemm = w.convForm == ConvForm.GEMM;
        KernelArgs a = geometry((gemm ? Kernel.CONV_GEMM_FORWARD : Kernel.CONV_FORWARD).args().b(gate).i(batch), c).b(in).i(offIn)
                .i(ldIn).b(w.params).i(lay.wOffset(k)).b(w.params).i(lay.bOffset(k)).i(bias ? 1 : 0).b(out).i(offOut)
                .i(ld).b(z).i(offOut).i(ld).i(zMode).f(w.lo).f(w.hi);
        double flops = 2.0 * batch * macs(c);
        if (gemm) {
            l.launch(a, blocks(batch * c.outHeight() * c.outWidth()), blocks(c.filters()), TS, TS, 0, flops);
        } else {
            l.launch(a, groups(c.outputs(), GROUP), batch, GROUP, 1, 0, flops);
        }
    }

    /**
     * {@code out = W_k^T (a - a2)} ({@code useA2}) or {@code W_k^T a}, zero where {@code mask} is not strictly inside
     * C ({@code useMask}), as {@code gemm_nn}: the transposed convolution.
     *
     * @param out modified: layer {@code k}'s columns at {@code offOut} of rows of {@code ldOut} floats
     * @param gate the launch returns at once when its first int is 0, as in {@link #forward}
     */
    void transposed(int k, int batch, GpuBuffer a, GpuBuffer a2, boolean useA2, int offA, int ldA, GpuBuffer out,
                    int offOut, int ldOut, GpuBuffer mask, boolean useMask, GpuBuffer gate) {
        ConvLayer c = conv(k);
        boolean gemm = w.convForm == ConvForm.GEMM;
        KernelArgs args = geometry((gemm ? Kernel.CONV_GEMM_TRANSPOSED : Kernel.CONV_TRANSPOSED).args().b(gate).i(batch), c)
                .b(a).b(a2).i(useA2 ? 1 : 0).i(offA).i(ldA).b(w.params).i(lay.wOffset(k)).b(out).i(offOut).i(ldOut)
                .b(mask).i(useMask ? 1 : 0).f(w.lo).f(w.hi);
        double flops = 2.0 * batch * macs(c);
        if (gemm) {
            l.launch(args, blocks(batch * c.height() * c.width()), blocks(c.channels()), TS, TS, 0, flops);
        } else {
            l.launch(args, groups(c.inputs(), GROUP), batch, GROUP, 1, 0, flops);
        }
    }

    /**
     * {@code G_k = alpha corr(u - u2, v)} and {@code g_k = alpha sum (u - u2)} over the batch and the positions
     * ({@code beta} 0), {@code +=} both (1), or {@code G_k +=} alone (2); {@code u} holds layer {@code k + 1},
     * {@code v} layer {@code k}.
     *
     * @param g modified at {@code W_k}'s and {@code b_k}'s places
     */
    void weightGradient(int k, int batch, GpuBuffer u, GpuBuffer u2, boolean useU2, int offU, int ldU, GpuBuffer v,
                        int offV, int ldV, GpuBuffer g, float alpha, int beta) {
        ConvLayer c = conv(k);
        double flops = 2.0 * batch * macs(c);
        if (w.convForm == ConvForm.DIRECT) {
            l.launch(geometry(Kernel.CONV_WEIGHT_GRAD.args().i(batch), c).b(u).b(u2).i(useU2 ? 1 : 0).i(offU).i(ldU)
                    .b(v).i(offV).i(ldV).b(g).i(lay.wOffset(k)).i(lay.bOffset(k)).f(alpha).i(beta),
                    groups(c.weightCount() + c.filters(), GROUP), 1, GROUP, 1, 0, flops);
            return;
        }
        int positions = batch * c.outHeight() * c.outWidth();
        int chunk = chunk(c, positions);
        int chunks = groups(positions, chunk);
        l.launch(geometry(Kernel.CONV_GEMM_WEIGHT_GRAD.args().i(batch), c).b(u).b(u2).i(useU2 ? 1 : 0).i(offU).i(ldU)
                .b(v).i(offV).i(ldV).b(g).i(lay.wOffset(k)).i(lay.bOffset(k)).f(alpha).i(beta)
                .b(w.convPartials).i(chunk), blocks(c.fanIn() + 1), chunks * blocks(c.filters()), TS, TS, 0, flops);
        if (chunks > 1) {
            int n = c.filters() * (c.fanIn() + 1);
            l.launch(Kernel.CONV_GRAD_REDUCE.args().i(c.filters()).i(c.fanIn()).i(chunks).b(w.convPartials).b(g)
                    .i(lay.wOffset(k)).i(lay.bOffset(k)).f(alpha).i(beta), groups(n, GROUP), 1, GROUP, 1, 0);
        }
    }

    /** Work-groups of {@link #BLOCK} outputs covering {@code n} rows or columns of an implicit-GEMM product. */
    private static int blocks(int n) {
        return groups(n, BLOCK);
    }

    /**
     * Output positions per chunk of the implicit-GEMM weight gradient of {@code c} over {@code positions} (batch times
     * output pixels): the fewest chunks of at least {@link #MIN_CHUNK} (a multiple of the tile) that bring the launch
     * to about {@link #GRAD_GROUPS} work-groups; all the positions in one chunk when the gradient alone has as many.
     */
    static int chunk(ConvLayer c, int positions) {
        int want = Math.min(maxChunks(c), Math.max(1, positions / MIN_CHUNK));
        int per = groups(positions, want);
        return groups(per, TS) * TS;
    }

    /** The most chunks {@link #chunk} asks for on layer {@code c}: {@link #GRAD_GROUPS} over its work-groups. */
    private static int maxChunks(ConvLayer c) {
        return Math.max(1, GRAD_GROUPS / (blocks(c.filters()) * blocks(c.fanIn() + 1)));
    }

    /** Floats of the chunk sums the net's convolutions need at most ({@link Workspace#convPartials}). */
    static long partialFloats(NetLayout lay) {
        long n = 1;
        for (int k = 0; k < lay.convs(); k++) {
            ConvLayer c = lay.conv(k);
            n = Math.max(n, (long) maxChunks(c) * c.filters() * (c.fanIn() + 1));
        }
        return n;
    }

    /** The column norms of hidden layer {@code k} (1..L-1, a convolution) into {@link Workspace#colNorms}. */
    void colNorms(int k) {
        ConvLayer c = conv(k);
        l.launch(geometry(Kernel.CONV_COL_NORMS.args(), c).b(w.params).i(lay.wOffset(k)).b(w.colNorms).i(lay.cOffset(k)),
                groups(c.inputs(), GROUP), 1, GROUP, 1, 0);
    }
}
