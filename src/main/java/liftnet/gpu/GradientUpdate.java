package liftnet.gpu;

import static liftnet.gpu.Launcher.groups;

import java.nio.ByteBuffer;
import java.util.Arrays;
import liftnet.api.Phase;
import org.lwjgl.system.MemoryUtil;

/**
 * Gradients and the SGD update ({@code kernels/train.cl}, {@code kernels/gemm.cl}). The energy gradients
 * (contrastive, lifted) and the update of every layer are one {@code grad_update} launch over all weight tiles;
 * back-propagation keeps its layer-by-layer kernels. Column norms of the hidden weights (for the solvers that read
 * them from a buffer) are refreshed on demand after an update.
 */
final class GradientUpdate implements AutoCloseable {

    /** Bits of {@code grad_update}'s {@code mode} (GRAD_* in kernels/train.cl). */
    static final int COMPUTE = 1;
    static final int APPLY = 2;

    private static final int TS = KernelSource.TILE;

    private final Workspace w;
    private final Launcher l;
    private final NetLayout lay;
    private final GpuBuffer tiles;
    private final int tileCount;
    private final ByteBuffer ratesHost;
    private float[] ratesOnDevice;
    /** {@link Launcher#syncs()} when the rates were last copied; the copy may be in flight until it grows. */
    private long ratesCopiedAt = -1;
    private boolean colNormsStale = true;

    GradientUpdate(Workspace w) {
        this.w = w;
        this.l = w.launcher;
        this.lay = w.lay;
        int[] t = new int[lay.layers() + 1];
        for (int k = 0; k < lay.layers(); k++) {
            t[k + 1] = t[k] + groups(lay.width(k) + 1, TS) * groups(lay.width(k + 1), TS);
        }
        tileCount = t[lay.layers()];
        tiles = w.allocFixed(4L * t.length);
        l.writeInts(tiles, t);
        ratesHost = MemoryUtil.memCalloc(Launcher.asyncBytes(4L * lay.layers()));
    }

    /**
     * {@code grad_update} in {@code mode} (COMPUTE and/or APPLY): with COMPUTE the gradient of the energies at the
     * clamped phase, minus (contrastive: {@code withFree}) the free phase; with APPLY the update at {@code rates}.
     */
    void energyGradient(int mode, boolean withFree, double[] rates, int batch) {
        if ((mode & APPLY) != 0) {
            uploadRates(rates);
        }
        int c = Phase.CLAMPED.ordinal();
        int f = Phase.FREE.ordinal();
        l.launch(Kernel.GRAD_UPDATE.args().b(w.shape).i(lay.layers()).i(lay.rowWidth()).b(tiles).i(Math.max(1, batch)).i(mode)
                .b(w.x).b(w.z[c]).b(w.a[c]).b(w.z[f]).b(w.a[f]).i(withFree ? 1 : 0).f(w.gamma).b(w.grad).b(w.params)
                .b(w.paramsOld).b(w.rates).b(w.control).i(w.hidden()).b(w.statsI), tileCount, 1, TS, TS, 0,
                (mode & COMPUTE) != 0 ? (withFree ? 2 : 1) * weightProductFlops(batch) : 0);
        if ((mode & APPLY) != 0) {
            colNormsStale = true;
        }
    }

    /** Flops of one phase's weight gradient: per layer the product of a {@code nOut x batch} and a {@code batch x nIn} matrix. */
    private double weightProductFlops(int batch) {
        double f = 0;
        for (int k = 0; k < lay.layers(); k++) {
            f += Launcher.productFlops(lay.width(k + 1), lay.width(k), batch);
        }
        return f;
    }

    /** The update alone, from the gradient buffer. */
    void apply(double[] rates) {
        energyGradient(APPLY, false, rates, 1);
    }

    /** Gradient of 1/2 ||z_L - y||^2 through the forward pass, averaged over the batch. */
    void backpropGradient(int batch, LayeredSolver products) {
        int fw = Phase.FORWARD.ordinal();
        int ld = lay.rowWidth();
        int layers = lay.layers();
        int nL = lay.width(layers);
        l.launch(Kernel.OUTPUT_DELTA.args().i(batch).i(nL).i(lay.zOffset(layers)).i(ld).b(w.z[fw]).b(w.y).b(w.delta),
                groups(nL, TS), groups(batch, TS), TS, TS, 0);
        for (int k = layers - 1; k >= 0; k--) {
            GpuBuffer v = k == 0 ? w.x : w.z[fw];
            int offV = k == 0 ? 0 : lay.zOffset(k);
            int ldV = k == 0 ? lay.width(0) : ld;
            int nOut = lay.width(k + 1);
            int nIn = lay.width(k);
            int block = products.blockFor(nIn + 1, nOut);
            l.launch(products.kernel(Kernel.OUTER_ACC, Kernel.OUTER_ACC_BLOCKED, nIn + 1, nOut).args().i(batch).i(nOut).i(nIn).b(w.delta).b(w.delta).i(0).i(lay.zOffset(k + 1)).i(ld)
                    .b(v).i(offV).i(ldV).b(w.grad).i(lay.wOffset(k)).i(lay.bOffset(k)).f(1f / batch).i(0),
                    groups(nIn + 1, block), groups(nOut, block), TS, TS, 0, Launcher.productFlops(nOut, nIn, batch));
            if (k >= 1) {
                int nnBlock = products.blockFor(nIn, batch);
                l.launch(products.kernel(Kernel.GEMM_NN, Kernel.GEMM_NN_BLOCKED, nIn, batch).args().i(batch).i(nIn).i(nOut).b(w.delta).b(w.delta).i(0).i(lay.zOffset(k + 1)).i(ld)
                        .b(w.params).i(lay.wOffset(k)).b(w.delta).i(lay.zOffset(k)).i(ld).b(w.z[fw]).i(1).f(w.lo).f(w.hi),
                        groups(nIn, nnBlock), groups(batch, nnBlock), TS, TS, 0, Launcher.productFlops(batch, nIn, nOut));
            }
        }
    }

    /** Makes the column-norm buffer match the parameters (after {@link #parametersChanged()} or an update). */
    void refreshColNorms() {
        if (colNormsStale && lay.layers() >= 2) {
            l.launch(Kernel.COL_NORMS.args().b(w.shape).i(lay.layers()).b(w.params).b(w.colNorms),
                    groups(lay.colNormCount(), 64), 1, 64, 1, 0);
        }
        colNormsStale = false;
    }

    void parametersChanged() {
        colNormsStale = true;
    }

    /** Puts the rates on the device when they differ from the last ones, without waiting for the copy. */
    void uploadRates(double[] rates) {
        float[] r = new float[rates.length];
        for (int k = 0; k < r.length; k++) {
            r[k] = (float) rates[k];
        }
        if (Arrays.equals(r, ratesOnDevice)) {
            return;
        }
        if (ratesCopiedAt == l.syncs()) {
            l.finish(); // the staging memory of the previous copy is about to be reused
        }
        ratesHost.clear();
        ratesHost.asFloatBuffer().put(r);
        l.writeAsync(w.rates, ratesHost);
        ratesOnDevice = r;
        ratesCopiedAt = l.syncs();
    }

    @Override
    public void close() {
        MemoryUtil.memFree(ratesHost);
    }
}
