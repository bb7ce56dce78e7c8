package liftnet.gpu;

import static liftnet.gpu.Launcher.groups;

import liftnet.api.OptimizerConfig;
import liftnet.api.Phase;

/**
 * Gradients and the update ({@code kernels/train.cl}, {@code kernels/gemm.cl}). The energy gradients (contrastive,
 * lifted) and the update of every layer are one {@code grad_update} launch over all weight tiles; back-propagation
 * keeps its layer-by-layer kernels. The update rule ({@link #setOptimizer}) is SGD, momentum or Adam, applied in
 * {@code grad_update}: the moments live in device buffers ({@link #moment(int)}), the learning rates and Adam's bias
 * corrections in a row of a {@link StepRates} table. Column norms of the hidden weights (for the solvers that read
 * them from a buffer) are refreshed on demand after an update.
 */
final class GradientUpdate implements AutoCloseable {

    /** Bits of {@code grad_update}'s {@code mode} (GRAD_* in kernels/train.cl). */
    static final int COMPUTE = 1;
    static final int APPLY = 2;
    /** {@link #energyGradient}'s second phase of the lifted gradient: none. */
    static final int NONE = -1;

    private static final int TS = KernelSource.TILE;

    private final Workspace w;
    private final Launcher l;
    private final NetLayout lay;
    private final GpuBuffer tiles;
    private final int tileCount;
    /** Rows of the steps launched at once (not recorded). */
    private final StepRates ring;
    private final ConvProducts convs;
    private final PooledProducts pools;
    private OptimizerConfig rule = OptimizerConfig.sgd();
    /** Momentum's {@code v} or Adam's {@code m} and {@code v}, and their values before the last update; null for SGD. */
    private GpuBuffer[] moments;
    private GpuBuffer[] momentsOld;
    private boolean colNormsStale = true;

    GradientUpdate(Workspace w) {
        this.w = w;
        this.l = w.launcher;
        this.lay = w.lay;
        int layers = lay.layers();
        int[] t = new int[3 * layers + 1];
        for (int k = 0; k < layers; k++) {
            t[k + 1] = t[k] + groups(lay.paramCols(k) + 1, TS) * groups(lay.paramRows(k), TS);
            t[layers + 1 + k] = lay.paramCols(k);
            t[2 * layers + 1 + k] = lay.paramRows(k);
        }
        tileCount = t[layers];
        tiles = w.allocFixed(4L * t.length);
        l.writeInts(tiles, t);
        ring = new StepRates(l, StepRates.RING);
        convs = new ConvProducts(w);
        pools = new PooledProducts(w, convs);
    }

    /**
     * Makes the update apply {@code config}; a stateful rule gets zeroed moment buffers (its state restarts: step
     * count 0 is the caller's, see {@link GpuEngine#setOptimizer}).
     */
    void setOptimizer(OptimizerConfig config) {
        if (moments != null) {
            l.finish(); // launches in flight may still read the moments freed here
        }
        freeMoments();
        rule = config;
        int slots = slots();
        if (slots > 0) {
            moments = new GpuBuffer[slots];
            momentsOld = new GpuBuffer[slots];
            for (int i = 0; i < slots; i++) {
                moments[i] = l.device().allocate(4L * lay.paramCount());
                momentsOld[i] = l.device().allocate(4L * lay.paramCount());
                l.zero(moments[i], 0, moments[i].bytes());
                l.zero(momentsOld[i], 0, momentsOld[i].bytes());
            }
        }
    }

    OptimizerConfig optimizer() {
        return rule;
    }

    /** Moment buffers of the rule: 0 (SGD), 1 (momentum: {@code v}) or 2 (Adam: {@code m}, {@code v}). */
    int slots() {
        return switch (rule.kind()) {
            case SGD -> 0;
            case MOMENTUM -> 1;
            case ADAM -> 2;
        };
    }

    /** Moment buffer {@code i}, flat like the parameters ({@link NetLayout#paramCount()}). */
    GpuBuffer moment(int i) {
        return moments[i];
    }

    /**
     * The row of update constants of one step: {@code rates[k]} per layer, then Adam's bias corrections
     * {@code 1 - b1^t}, {@code 1 - b2^t} of step {@code t} (computed in double on the host, as the CPU engine does).
     */
    float[] stepRow(double[] rates, long t) {
        float[] row = new float[rates.length + 2];
        for (int k = 0; k < rates.length; k++) {
            row[k] = (float) rates[k];
        }
        row[rates.length] = (float) (1 - Math.pow(rule.momentum(), t));
        row[rates.length + 1] = (float) (1 - Math.pow(rule.beta2(), t));
        return row;
    }

    /** The ring's buffer; read it after {@link #pushRow}, which may not change it. */
    GpuBuffer ringBuffer() {
        return ring.buffer();
    }

    /** Puts a step's row (from {@link #stepRow}) into the ring, without waiting; its element offset. */
    int pushRow(float[] row) {
        return ring.push(row);
    }

    /**
     * {@code grad_update} in {@code mode} (COMPUTE and/or APPLY): with COMPUTE the gradient of the energies at the
     * clamped phase minus that at phase {@code second}: the free phase (contrastive), the negative phase times 1/2
     * (symmetric nudging, after {@link #symmetricGradient} put {@code W_k dz_k} in {@code q}), or nothing
     * ({@link #NONE}: lifted); with APPLY the update with the constants at element {@code rateOffset} of {@code rates}
     * (a {@link StepRates} buffer).
     */
    private void energyGradient(int mode, int second, GpuBuffer rates, int rateOffset, int batch) {
        int c = Phase.CLAMPED.ordinal();
        boolean withSecond = second != NONE;
        int f = withSecond ? second : Phase.FREE.ordinal();
        // grad_update's useFree: 0 lifted, 1 contrastive, 2 symmetric (the difference form and a factor 1/2)
        int use = !withSecond ? 0 : second == Phase.NEGATIVE.ordinal() ? 2 : 1;
        if ((mode & COMPUTE) != 0 && lay.convs() > 0) {
            layerEnergyGradient(second, batch);
            if ((mode & APPLY) != 0) {
                apply(rates, rateOffset);
            }
            return;
        }
        GpuBuffer m0 = moments != null ? moments[0] : w.paramsOld;
        GpuBuffer m1 = moments != null && moments.length > 1 ? moments[1] : m0;
        GpuBuffer o0 = momentsOld != null ? momentsOld[0] : w.paramsOld;
        GpuBuffer o1 = momentsOld != null && momentsOld.length > 1 ? momentsOld[1] : o0;
        l.launch(Kernel.GRAD_UPDATE.args().b(w.shape).i(lay.layers()).i(lay.rowWidth()).b(tiles).i(Math.max(1, batch)).i(mode)
                .b(w.x).b(w.z[c]).b(w.a[c]).b(w.z[f]).b(w.a[f]).i(use).b(w.q).f(w.gamma).b(w.grad).b(w.params)
                .b(w.paramsOld).b(rates).i(rateOffset).i(rule.kind().ordinal()).f((float) rule.momentum())
                .f((float) rule.beta2()).f((float) rule.epsilon()).b(m0).b(m1).b(o0).b(o1)
                .b(w.control).i(w.hidden()).b(w.statsI), tileCount, 1, TS, TS, 0,
                (mode & COMPUTE) != 0 ? (withSecond ? 2 : 1) * weightProductFlops(batch) : 0);
        if ((mode & APPLY) != 0) {
            colNormsStale = true;
        }
    }

    /**
     * The energy gradient of a net with convolutions, layer by layer ({@code grad_update} computes dense layers
     * only): {@code G_k = gamma^k / B sum_b (-lambda^c_{k+1} [z^c_k 1]^T + lambda^2_{k+1} [z^2_k 1]^T)} with phase
     * {@code second} as 2 ({@link #NONE}: no such term); the clamped phase's term written first and the second's added
     * ({@code (P z_k)} where layer k pools its input).
     */
    private void layerEnergyGradient(int second, int batch) {
        int[] phases = second != NONE ? new int[] {Phase.CLAMPED.ordinal(), second} : new int[] {Phase.CLAMPED.ordinal()};
        int ld = lay.rowWidth();
        for (int k = 0; k < lay.layers(); k++) {
            float scale = (float) (w.config.termWeight(k) / batch);
            for (int i = 0; i < phases.length; i++) {
                int p = phases[i];
                layerTerm(k, batch, w.z[p], w.a[p], true, k == 0 ? w.x : w.z[p], k == 0 ? 0 : lay.zOffset(k),
                        k == 0 ? lay.width(0) : ld, i == 0 ? -scale : scale, i > 0 ? 1 : 0);
            }
        }
    }

    /**
     * {@code G_k (+)= alpha sum_b (u - u2)_{k+1} [(P) v_k 1]^T} ({@code u - u2} or {@code u} at layer {@code k + 1}'s
     * places of the phase layout, {@code v_k} pooled where layer k pools its input), its bias as {@code beta} asks
     * ({@link ConvProducts#weightGradient}): a convolution's correlation, else {@code outer_acc}.
     */
    private void layerTerm(int k, int batch, GpuBuffer u, GpuBuffer u2, boolean useU2, GpuBuffer v, int offV, int ldV,
                           float alpha, int beta) {
        if (pools.pools(k)) {
            pools.pool(k, batch, v, offV, ldV, w.always);
            v = pools.scratch();
            offV = 0;
            ldV = pools.inputs(k);
        }
        int ld = lay.rowWidth();
        int nIn = pools.inputs(k);
        if (convs.isConv(k)) {
            convs.weightGradient(k, batch, u, u2, useU2, lay.zOffset(k + 1), ld, v, offV, ldV, w.grad, alpha, beta);
        } else {
            l.launch(Kernel.OUTER_ACC.args().i(batch).i(lay.width(k + 1)).i(nIn).b(u).b(u2).i(useU2 ? 1 : 0)
                    .i(lay.zOffset(k + 1)).i(ld).b(v).i(offV).i(ldV).b(w.grad).i(lay.wOffset(k)).i(lay.bOffset(k))
                    .f(alpha).i(beta), groups(nIn + 1, TS), groups(lay.width(k + 1), TS), TS, TS, 0,
                    Launcher.productFlops(lay.width(k + 1), nIn, batch));
        }
    }

    /** {@code grad_update} in {@code mode} (COMPUTE and/or APPLY) for the contrastive (free) or lifted gradient. */
    void energyGradient(int mode, boolean lifted, GpuBuffer rates, int rateOffset, int batch) {
        energyGradient(mode, lifted ? NONE : Phase.FREE.ordinal(), rates, rateOffset, batch);
    }

    /**
     * Symmetric nudging's gradient, {@code G_k = -gamma^k / (2B) sum_b (lambdaA zA_k^T - lambdaB zB_k^T)} with A the
     * clamped (positively nudged) and B the negatively nudged phase, summed from their difference as the CPU engine
     * does: with {@code dz = zB - zA} (into {@code delta}) and {@code dl_{k+1} = lambdaA - lambdaB = W_k dz_k - dz_{k+1}}
     * ({@code W_k dz_k} into {@code q}; {@code dl_1 = -dz_1}, the input is shared), {@code G_k = -s (dl zA_k^T -
     * lambdaB dz_k^T)}, the biases {@code -s dl}. The residuals' difference would keep each phase's float rounding of
     * {@code W_k z_k}. Both forms read {@code dl = q - dz} where they stage it: a dense net's gradient is then one
     * {@code grad_update} (with the update in {@code mode}), a net with convolutions' terms are summed layer by layer.
     * Overwrites {@code delta} and {@code q}, the solver's scratch.
     */
    void symmetricGradient(int mode, GpuBuffer rates, int rateOffset, int batch, LayeredSolver products) {
        int a = Phase.CLAMPED.ordinal();
        int b = Phase.NEGATIVE.ordinal();
        int ld = lay.rowWidth();
        l.launch(Kernel.DIFFERENCE.args().i(batch).i(ld).b(w.z[b]).b(w.z[a]).i(0).i(ld).b(w.delta), groups(ld, TS),
                groups(batch, TS), TS, TS, 0);
        for (int k = 1; k < lay.layers(); k++) {
            products.product(k, batch, w.delta, w.q);
        }
        if (lay.convs() == 0) {
            energyGradient(mode, b, rates, rateOffset, batch);
            return;
        }
        for (int k = 0; k < lay.layers(); k++) {
            float scale = (float) (0.5 * w.config.termWeight(k) / batch);
            if (k == 0) {
                layerTerm(0, batch, w.z[a], w.z[b], true, w.x, 0, lay.width(0), -scale, 0);
            } else {
                layerTerm(k, batch, w.q, w.delta, true, w.z[a], lay.zOffset(k), ld, -scale, 0); // dl = q - dz
                layerTerm(k, batch, w.z[b], w.a[b], true, w.delta, lay.zOffset(k), ld, scale, 2);
            }
        }
        if ((mode & APPLY) != 0) {
            apply(rates, rateOffset);
        }
    }

    /** Flops of one phase's weight gradient: per layer the product of a {@code nOut x batch} and a {@code batch x nIn} matrix. */
    private double weightProductFlops(int batch) {
        double f = 0;
        for (int k = 0; k < lay.layers(); k++) {
            f += Launcher.productFlops(lay.width(k + 1), pools.inputs(k), batch);
        }
        return f;
    }

    /** The update alone, from the gradient buffer, with the constants at {@code rateOffset} of {@code rates}. */
    void apply(GpuBuffer rates, int rateOffset) {
        energyGradient(APPLY, NONE, rates, rateOffset, 1);
    }

    /**
     * Gradient of 1/2 ||z_L - y||^2 through the forward pass, averaged over the batch (through {@code W_k P} where
     * layer k pools its input: the gradient at {@code P z_k}, the error spread back by {@code P^T}).
     */
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
            boolean pooled = pools.pools(k);
            if (pooled) {
                pools.pool(k, batch, v, offV, ldV, w.always);
                v = pools.scratch();
                offV = 0;
                ldV = pools.inputs(k);
            }
            int nOut = lay.width(k + 1);
            int nIn = pools.inputs(k);
            // the error of layer k: into the pooled scratch first where the layer pools (after the gradient read it)
            GpuBuffer to = pooled ? pools.scratch() : w.delta;
            int offTo = pooled ? 0 : lay.zOffset(k);
            int ldTo = pooled ? nIn : ld;
            if (convs.isConv(k)) {
                convs.weightGradient(k, batch, w.delta, w.delta, false, lay.zOffset(k + 1), ld, v, offV, ldV, w.grad, 1f / batch, 0);
                if (k >= 1) {
                    convs.transposed(k, batch, w.delta, w.delta, false, lay.zOffset(k + 1), ld, to, offTo, ldTo, w.z[fw], !pooled, w.always);
                }
            } else {
                int block = products.blockFor(nIn + 1, nOut);
                l.launch(products.kernel(Kernel.OUTER_ACC, Kernel.OUTER_ACC_BLOCKED, nIn + 1, nOut).args().i(batch).i(nOut).i(nIn).b(w.delta).b(w.delta).i(0).i(lay.zOffset(k + 1)).i(ld)
                        .b(v).i(offV).i(ldV).b(w.grad).i(lay.wOffset(k)).i(lay.bOffset(k)).f(1f / batch).i(0),
                        groups(nIn + 1, block), groups(nOut, block), TS, TS, 0, Launcher.productFlops(nOut, nIn, batch));
                if (k >= 1) {
                    int nnBlock = products.blockFor(nIn, batch);
                    l.launch(products.kernel(Kernel.GEMM_NN, Kernel.GEMM_NN_BLOCKED, nIn, batch).args().b(w.always).i(batch).i(nIn).i(nOut).b(w.delta).b(w.delta).i(0).i(lay.zOffset(k + 1)).i(ld)
                            .b(w.params).i(lay.wOffset(k)).b(to).i(offTo).i(ldTo).b(w.z[fw]).i(pooled ? 0 : 1).f(w.lo).f(w.hi),
                            groups(nIn, nnBlock), groups(batch, nnBlock), TS, TS, 0, Launcher.productFlops(batch, nIn, nOut));
                }
            }
            if (pooled && k >= 1) {
                pools.spread(k, batch, w.delta, lay.zOffset(k), ld, w.z[fw], true, w.always);
            }
        }
    }

    /** Makes the column-norm buffer match the parameters (after {@link #parametersChanged()} or an update). */
    void refreshColNorms() {
        if (colNormsStale && lay.layers() >= 2) {
            // layers that pool their input (a convolution's output): the norms of W_k P (PooledProducts)
            for (int k = 1; k < lay.layers(); k++) {
                if (pools.pools(k)) {
                    pools.colNorms(k);
                } else if (convs.isConv(k)) {
                    convs.colNorms(k);
                }
            }
            int firstDense = lay.convs() + (lay.convs() < lay.layers() && pools.pools(lay.convs()) ? 1 : 0);
            if (firstDense < lay.layers()) {
                l.launch(Kernel.COL_NORMS.args().b(w.shape).i(lay.layers()).b(w.params).b(w.colNorms).i(firstDense),
                        groups(lay.colNormCount(), 64), 1, 64, 1, 0);
            }
        }
        colNormsStale = false;
    }

    void parametersChanged() {
        colNormsStale = true;
    }

    private void freeMoments() {
        for (GpuBuffer[] set : new GpuBuffer[][] {moments, momentsOld}) {
            if (set != null) {
                for (GpuBuffer b : set) {
                    b.close();
                }
            }
        }
        moments = null;
        momentsOld = null;
    }

    @Override
    public void close() {
        ring.close();
        freeMoments();
    }
}
