package liftnet.gpu;

import static liftnet.gpu.Launcher.groups;

import liftnet.api.StopRule;

/**
 * The batched routines over whole layers (tiled matrix kernels, {@code kernels/gemm.cl} and
 * {@code kernels/solver.cl}): the forward pass, the layer-by-layer red-black Jacobi solver for layers too big
 * for local memory ({@link GpuEngine.Path#LAYERED}), and the per-sample energy and KKT residual.
 */
public final class LayeredSolver {

    private static final int TS = KernelSource.TILE;
    /** Outputs per work-item and dimension of the {@code *_blocked} products ({@code RB} in kernels/gemm.cl). */
    static final int RB = 4;
    /** {@link Gemm#AUTO} takes the register-blocked products from this many rows and columns of output on. */
    static final int BLOCKED_FROM = 256;

    /**
     * Which kernels compute the matrix products: {@code A W^T} (gemm_nt), {@code A W} (gemm_nn, back-projection
     * and backpropagation) and {@code U^T [V 1]} (outer_acc, backpropagation's weight gradient).
     */
    public enum Gemm {
        /** Register-blocked for outputs of at least {@value #BLOCKED_FROM} rows and columns, else tiled. */
        AUTO,
        /** {@code gemm_nt}, {@code gemm_nn}, {@code outer_acc}: 16 x 16 tiles, one output per work-item. */
        TILED,
        /** Their {@code *_blocked} forms: 64 x 64 blocks, 4 x 4 outputs per work-item. */
        BLOCKED;

    }

    private Gemm gemm;
    /** Whether the sweeps' launches are gated on the batch's active samples (the batch-level early exit). */
    private boolean earlyExit = true;

    private final Workspace w;
    private final Launcher l;
    private final NetLayout lay;
    private final ConvProducts convs;
    private final PooledProducts pools;

    LayeredSolver(Workspace w, Gemm gemm) {
        this.gemm = gemm;
        this.w = w;
        this.l = w.launcher;
        this.lay = w.lay;
        this.convs = new ConvProducts(w);
        this.pools = new PooledProducts(w, convs);
    }

    /** Forward pass of {@code batch} samples into phase {@code p}: {@code a_{k+1} = W_k z_k + b_k}, {@code z = Proj_C(a)} (output: {@code z = a}). */
    void forward(int p, int batch) {
        int n = lay.rowWidth();
        for (int k = 0; k < lay.layers(); k++) {
            GpuBuffer in = k == 0 ? w.x : w.z[p];
            int offIn = k == 0 ? 0 : lay.zOffset(k);
            int ldIn = k == 0 ? lay.width(0) : n;
            int zMode = k < lay.layers() - 1 ? 2 : 1;
            gemmNt(k, batch, in, offIn, ldIn, true, w.a[p], lay.zOffset(k + 1), w.z[p], zMode, w.always);
        }
    }

    /** A net without hidden layers: phase {@code p} is phase {@code start} with the output set. */
    void withoutHidden(int p, int start, int batch) {
        long bytes = 4L * batch * lay.rowWidth();
        l.copy(w.z[start], 0, w.z[p], 0, bytes);
        l.copy(w.a[start], 0, w.a[p], 0, bytes);
        setTop(p, batch);
        energyInto(p, batch);
        l.zero(w.sweeps, 0, 4L * batch);
        kktInto(p, w.resid, batch);
    }

    /**
     * Runs phase {@code p} from phase {@code start}'s rows; column norms must be current. The output follows the phase
     * ({@link BatchState#nudge}): free, clamped ({@code + beta l} or the hard clamp), or negative ({@code - beta l}).
     * All {@code maxSweeps} sweeps are launched (no host synchronisation); with the early exit on, the launches of a
     * sweep that finds no active sample return at once on the device ({@link Workspace#live}): their steps would be 0.
     */
    void infer(int p, int start, int maxSweeps, int rule, float tol, int batch) {
        boolean clamped = BatchState.nudge(p) != 0;
        boolean soft = clamped && !w.config.outputLoss().isHard();
        long bytes = 4L * batch * lay.rowWidth();
        l.copy(w.z[start], 0, w.z[p], 0, bytes);
        l.copy(w.a[start], 0, w.a[p], 0, bytes);
        setTop(p, batch);
        if (rule == StopRule.ENERGY.ordinal()) {
            energyInto(p, batch);
        } else if (rule == StopRule.KKT.ordinal()) {
            kktInto(p, w.resid, batch);
        }
        GpuBuffer gate = earlyExit ? w.live : w.always;
        l.zero(w.live, 0, 4);
        l.launch(Kernel.SOLVE_INIT.args().b(w.live).i(batch).i(rule).f(tol).b(w.energy[p]).b(w.eprev).b(w.decrease).b(w.resid)
                .b(w.active).b(w.sweeps), groups(batch, 64), 1, 64, 1, 0);
        for (int s = 0; s < maxSweeps; s++) {
            for (int parity = 1; parity <= 2; parity++) {
                for (int k = parity; k < lay.layers(); k += 2) {
                    jacobiStep(p, k, batch, gate);
                }
            }
            if (!clamped || soft) {
                setTop(p, batch); // free: z_L = a_L; soft clamp: its prox at the new a_L
            }
            if (rule == StopRule.KKT.ordinal()) {
                kktInto(p, w.resid, batch, gate); // only the active samples' residuals are read
            }
            l.launch(Kernel.CHECK_STOP.args().b(w.live).i(batch).i(rule).f(tol).b(w.eprev).b(w.decrease).b(w.resid).b(w.active)
                    .b(w.sweeps), groups(batch, 64), 1, 64, 1, 0);
        }
        energyInto(p, batch);
        kktInto(p, w.resid, batch);
    }

    /** One Jacobi step with exact line search on hidden layer k of phase p (kernels/solver.cl). */
    private void jacobiStep(int p, int k, int batch, GpuBuffer gate) {
        int n = lay.width(k);
        int m = lay.width(k + 1);
        int ld = lay.rowWidth();
        int off = lay.zOffset(k);
        int off1 = lay.zOffset(k + 1);
        backProject(p, k, w.q, batch, gate);
        l.launch(Kernel.JACOBI_PROPOSE.args().b(gate).i(batch).i(n).i(off).i(ld).b(w.z[p]).b(w.a[p]).b(w.q).b(w.colNorms)
                .i(lay.cOffset(k)).f(w.gamma).f(w.lo).f(w.hi).b(w.delta), groups(n, TS), groups(batch, TS), TS, TS, 0);
        gemmNt(k, batch, w.delta, off, ld, false, w.dvec, off1, w.dvec, 0, gate);
        l.launch(Kernel.LINE_SEARCH.args().b(gate).i(n).i(off).i(m).i(off1).i(ld).b(w.z[p]).b(w.a[p]).b(w.q).b(w.delta).b(w.dvec)
                .f(w.gamma).f((float) w.config.termWeight(k - 1)).b(w.active).b(w.step).b(w.decrease),
                batch, 1, w.reduceSize, 1, 4 * w.reduceSize);
        l.launch(Kernel.APPLY_STEP.args().b(gate).i(batch).i(n).i(off).i(m).i(off1).i(ld).b(w.z[p]).b(w.delta).b(w.a[p]).b(w.dvec)
                .b(w.step), groups(Math.max(n, m), TS), groups(batch, TS), TS, TS, 0);
    }

    /**
     * out[layer k] = W_k^T (z_{k+1} - a_{k+1}) of phase p, in the phase layout ({@code P^T W_k^T (...)} where layer k
     * pools its input: W_k^T into the pooled scratch, then spread); its launches gated on {@code gate}.
     */
    private void backProject(int p, int k, GpuBuffer out, int batch, GpuBuffer gate) {
        int n = pools.inputs(k);
        int ld = lay.rowWidth();
        boolean pooled = pools.pools(k);
        GpuBuffer to = pooled ? pools.scratch() : out;
        int offTo = pooled ? 0 : lay.zOffset(k);
        int ldTo = pooled ? n : ld;
        if (convs.isConv(k)) {
            convs.transposed(k, batch, w.z[p], w.a[p], true, lay.zOffset(k + 1), ld, to, offTo, ldTo, to, false, gate);
        } else {
            int block = blockFor(n, batch);
            l.launch(kernel(Kernel.GEMM_NN, Kernel.GEMM_NN_BLOCKED, n, batch).args().b(gate).i(batch).i(n).i(lay.width(k + 1)).b(w.z[p]).b(w.a[p]).i(1).i(lay.zOffset(k + 1)).i(ld)
                    .b(w.params).i(lay.wOffset(k)).b(to).i(offTo).i(ldTo).b(to).i(0).f(w.lo).f(w.hi),
                    groups(n, block), groups(batch, block), TS, TS, 0, Launcher.productFlops(batch, n, lay.width(k + 1)));
        }
        if (pooled) {
            pools.spread(k, batch, out, lay.zOffset(k), ld, out, false, gate);
        }
    }

    /** {@code blocked} for an output of {@code cols x rows} when {@link #gemm} asks for register blocking there, else {@code tiled}. */
    Kernel kernel(Kernel tiled, Kernel blocked, int cols, int rows) {
        return blockFor(cols, rows) > TS ? blocked : tiled;
    }

    /** Output rows and columns one work-group covers for an output of {@code cols x rows}: RB TS blocked, else TS. */
    int blockFor(int cols, int rows) {
        boolean blocked = gemm == Gemm.BLOCKED || (gemm == Gemm.AUTO && cols >= BLOCKED_FROM && rows >= BLOCKED_FROM);
        return blocked ? RB * TS : TS;
    }

    void gemm(Gemm g) {
        gemm = g;
    }

    void earlyExit(boolean on) {
        earlyExit = on;
    }

    /** The products of the net's convolutional layers. */
    ConvProducts convs() {
        return convs;
    }

    /** The pooling beside the products of the layers that pool their input. */
    PooledProducts pools() {
        return pools;
    }

    /** {@code out_k+1 = W_k in_k} (no bias) for {@code batch} rows of the phase layout, at layer {@code k + 1}'s places. */
    void product(int k, int batch, GpuBuffer in, GpuBuffer out) {
        gemmNt(k, batch, in, lay.zOffset(k), lay.rowWidth(), false, out, lay.zOffset(k + 1), out, 0, w.always);
    }

    /**
     * C = A W_k^T (+ b_k) with optional Z = C or Z = Proj_C(C), over the batch (for a convolution {@code W_k A_b}
     * per row; where layer k pools its input, of the pooled rows {@code P A_b}); rows of C have the phase layout.
     * Its launches are gated on {@code gate}.
     */
    private void gemmNt(int k, int batch, GpuBuffer in, int offIn, int ldIn, boolean bias, GpuBuffer c, int offC,
                        GpuBuffer zOut, int zMode, GpuBuffer gate) {
        int ld = lay.rowWidth();
        if (pools.pools(k)) {
            pools.pool(k, batch, in, offIn, ldIn, gate);
            in = pools.scratch();
            offIn = 0;
            ldIn = pools.inputs(k);
        }
        if (convs.isConv(k)) {
            convs.forward(k, batch, in, offIn, ldIn, bias, c, offC, ld, zOut, zMode, gate);
            return;
        }
        int nOut = lay.width(k + 1);
        int nIn = pools.inputs(k);
        int offW = lay.wOffset(k);
        int offB = bias ? lay.bOffset(k) : 0;
        int block = blockFor(nOut, batch);
        l.launch(kernel(Kernel.GEMM_NT, Kernel.GEMM_NT_BLOCKED, nOut, batch).args().b(gate).i(batch).i(nOut).i(nIn).b(in).i(offIn).i(ldIn).b(w.params).i(offW).b(w.params).i(offB)
                .i(bias ? 1 : 0).b(c).i(offC).i(ld).b(zOut).i(offC).i(ld).i(zMode).f(w.lo).f(w.hi),
                groups(nOut, block), groups(batch, block), TS, TS, 0, Launcher.productFlops(batch, nOut, nIn));
    }

    private void setTop(int p, int batch) {
        int nL = lay.width(lay.layers());
        l.launch(Kernel.SET_TOP.args().i(batch).i(nL).i(lay.zOffset(lay.layers())).i(lay.rowWidth()).b(w.z[p]).b(w.a[p])
                .b(w.y).i(BatchState.nudge(p)).b(w.shape).i(lay.layers()).f(w.gamma).b(w.decrease), groups(nL, TS), groups(batch, TS), TS, TS, 0);
    }

    /**
     * energy[p][b] = E(z^p_b; x_b), plus {@code beta l(z_L, y_b)} for a soft-clamped phase ({@code - beta l} for the
     * negative one).
     */
    void energyInto(int p, int batch) {
        l.launch(Kernel.ENERGY.args().b(w.shape).i(lay.layers()).f(w.gamma).i(lay.rowWidth()).b(w.z[p]).b(w.a[p])
                .b(w.energy[p]).b(w.y).i(BatchState.nudge(p)), batch, 1, w.reduceSize, 1, 4 * w.reduceSize);
    }

    /** out[b] = the KKT residual of phase p's problem (the output is free in the forward and free phases). */
    void kktInto(int p, GpuBuffer out, int batch) {
        kktInto(p, out, batch, w.always);
    }

    private void kktInto(int p, GpuBuffer out, int batch, GpuBuffer gate) {
        for (int k = 1; k < lay.layers(); k++) {
            backProject(p, k, w.q, batch, gate);
        }
        l.launch(Kernel.KKT.args().b(w.shape).i(lay.layers()).f(w.gamma).i(lay.rowWidth()).b(w.z[p]).b(w.a[p]).b(w.q)
                .f(w.lo).f(w.hi).i(BatchState.nudge(p)).b(w.y).b(out), batch, 1, w.reduceSize, 1, 4 * w.reduceSize);
    }
}
