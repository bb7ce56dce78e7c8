package liftnet.gpu;

import static liftnet.gpu.BatchState.CLAMPED;
import static liftnet.gpu.BatchState.FORWARD;
import static liftnet.gpu.BatchState.FREE;
import static liftnet.gpu.BatchState.NEGATIVE;

import liftnet.api.EngineException;
import liftnet.api.Method;
import liftnet.api.Phase;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.StopRule;

/**
 * Runs what a {@link BatchState} has waiting, when its results are needed: the phases ({@link #runPhases}) on the
 * step kernel ({@code fused_step}), on {@code fused_solve} or on the layered solver, then the gradient and update
 * ({@link #flushGradient}). Each launch is timed under the phase it serves.
 */
final class PhaseScheduler {

    private static final int TS = KernelSource.TILE;

    private final Workspace ws;
    private final Launcher l;
    private final NetLayout lay;
    private final LayeredSolver layered;
    private final FusedSolver fused;
    private final GradientUpdate grads;
    private final DeviceStats stats;
    private BatchState s = new BatchState();
    private GpuEngine.Path path;
    private GpuEngine.StepMode stepMode;

    PhaseScheduler(Workspace ws, LayeredSolver layered, FusedSolver fused, GradientUpdate grads, DeviceStats stats,
                   GpuEngine.Path path, GpuEngine.StepMode stepMode) {
        this.path = path;
        this.stepMode = stepMode;
        this.ws = ws;
        this.l = ws.launcher;
        this.lay = ws.lay;
        this.layered = layered;
        this.fused = fused;
        this.grads = grads;
        this.stats = stats;
    }

    /** The batch and what waits for it (modified by the engine's calls). */
    BatchState state() {
        return s;
    }

    Launcher launcher() {
        return l;
    }

    /** Makes {@code state} the one that {@link #runPhases} and {@link #flushGradient} work on. */
    void state(BatchState state) {
        s = state;
    }

    void path(GpuEngine.Path p) {
        path = p;
    }

    void stepMode(GpuEngine.StepMode m) {
        stepMode = m;
    }

    /** Whether inference currently takes the fused path (never for a net with convolutions: its kernels are dense). */
    boolean usesFusedPath() {
        if (lay.convs() > 0) {
            return false;
        }
        return switch (path) {
            case FUSED -> true;
            case LAYERED -> false;
            case AUTO -> fused.solveFits() && lay.maxWidth() <= GpuEngine.FUSED_MAX_WIDTH;
        };
    }

    /** Whether the phases run in {@code fused_step} (hidden weights in local memory). */
    boolean usesStepKernel() {
        return stepMode != GpuEngine.StepMode.OFF && usesFusedPath() && fused.stepFits();
    }

    /** Asks for the forward pass (after launching a waiting gradient); forgets the inference phases. */
    void forward() {
        flushGradient();
        s.valid[FORWARD] = true;
        s.computed[FORWARD] = false;
        s.valid[FREE] = false;
        s.valid[CLAMPED] = false;
        s.valid[NEGATIVE] = false;
    }

    /** Asks for inference phase {@code p} with {@code solver}; runs what must run before it. */
    void request(int p, SolverConfig solver) {
        if (!s.valid[FORWARD]) {
            throw new IllegalStateException("inference starts from the forward pass: call forward() after selectBatch()");
        }
        if (solver.solver() != Solver.JACOBI) {
            throw new EngineException("the GPU engines run the red-black Jacobi solver only; asked for " + solver.solver().id()
                    + " (use --solver jacobi, or the cpu engine for Gauss-Seidel)");
        }
        flushGradient();
        if (p == CLAMPED) {
            // The nudged phases start from the free minimiser when this batch has one (see Engine#inferClamped).
            s.clampedStart = s.valid[FREE] ? FREE : FORWARD;
        } else if (p == NEGATIVE) {
            s.negativeStart = s.valid[FREE] ? FREE : FORWARD;
        } else if (p == FREE && (s.waiting(CLAMPED) || s.waiting(NEGATIVE))) {
            runPhases(); // a waiting nudged phase was asked for before this free one and starts from the forward pass
        }
        s.valid[p] = true;
        s.computed[p] = false;
        s.solverOf[p] = solver;
    }

    /**
     * Asks for {@code method}'s gradient (after launching a waiting one), checking that its phases were asked for; the
     * contrastive gradient is symmetric nudging's when the negative phase was asked for this batch.
     */
    void gradient(Method method) {
        switch (method) {
            case CONTRASTIVE -> {
                requirePhase(CLAMPED, method);
                requirePhase(s.valid[NEGATIVE] ? NEGATIVE : FREE, method);
            }
            case LIFTED -> requirePhase(CLAMPED, method);
            case BACKPROP, LINEAR -> requirePhase(FORWARD, method);
        }
        flushGradient();
        s.pendingGradient = method;
        s.pendingSymmetric = method == Method.CONTRASTIVE && s.valid[NEGATIVE];
    }

    private void requirePhase(int p, Method method) {
        if (!s.valid[p]) {
            throw new IllegalStateException(method.id() + " needs the " + Phase.values()[p] + " activations of this batch");
        }
    }

    /** Runs what waits: the phases, then the gradient and the update. */
    void flush() {
        runPhases();
        flushGradient();
    }

    void runPhases() {
        if (!s.anyWaiting()) {
            return;
        }
        if (usesStepKernel()) {
            runStep();
        } else {
            runPhasesSeparately();
        }
        System.arraycopy(s.valid, 0, s.computed, 0, s.valid.length);
    }

    /** fused_step launches: all waiting phases in one, or one per phase ({@link GpuEngine.StepMode#PHASED}). */
    private void runStep() {
        int phases = (s.waiting(FORWARD) ? FusedSolver.STEP_FORWARD : 0) | (s.waiting(FREE) ? FusedSolver.STEP_FREE : 0)
                | (s.waiting(CLAMPED) ? FusedSolver.STEP_CLAMPED : 0) | (s.waiting(NEGATIVE) ? FusedSolver.STEP_NEGATIVE : 0);
        if (stepMode == GpuEngine.StepMode.FUSED && oneLaunch()) {
            stepLaunch(phases);
            return;
        }
        for (int bit : new int[] {FusedSolver.STEP_FORWARD, FusedSolver.STEP_FREE, FusedSolver.STEP_CLAMPED,
            FusedSolver.STEP_NEGATIVE}) {
            if ((phases & bit) != 0) {
                stepLaunch(bit);
            }
        }
    }

    /**
     * Whether one {@code fused_step} launch runs the waiting inference phases as separate launches would: one solver,
     * contiguous in the kernel's order (free, clamped, negative), the nudged phases starting from the free minimiser
     * when the free phase runs along, else from one start.
     */
    private boolean oneLaunch() {
        int[] order = {FREE, CLAMPED, NEGATIVE};
        SolverConfig solver = null;
        int first = -1;
        int last = -1;
        int count = 0;
        for (int i = 0; i < order.length; i++) {
            int p = order[i];
            if (!s.waiting(p)) {
                continue;
            }
            if (solver != null && !solver.equals(s.solverOf[p])) {
                return false;
            }
            solver = s.solverOf[p];
            first = first < 0 ? i : first;
            last = i;
            count++;
            if (p != FREE && s.waiting(FREE) && s.startOf(p) != FREE) {
                return false;
            }
        }
        if (count > 0 && last - first + 1 != count) {
            return false;
        }
        return s.waiting(FREE) || !s.waiting(CLAMPED) || !s.waiting(NEGATIVE) || s.clampedStart == s.negativeStart;
    }

    private void stepLaunch(int phases) {
        int bits = phases;
        boolean free = (phases & FusedSolver.STEP_FREE) != 0;
        boolean clamped = (phases & FusedSolver.STEP_CLAMPED) != 0;
        boolean negative = (phases & FusedSolver.STEP_NEGATIVE) != 0;
        if (!free && ((clamped && s.clampedStart == FREE) || (negative && s.negativeStart == FREE))) {
            bits |= FusedSolver.STEP_NUDGED_FROM_FREE;
        }
        l.phase(Integer.bitCount(phases) > 1 ? (negative ? Launcher.STEP_SYMMETRIC : Launcher.STEP)
                : free ? Launcher.FREE : clamped ? Launcher.CLAMPED : negative ? Launcher.NEGATIVE : Launcher.FORWARD);
        SolverConfig sc = free ? s.solverOf[FREE] : clamped ? s.solverOf[CLAMPED] : negative ? s.solverOf[NEGATIVE]
                : SolverConfig.paperDefault();
        fused.step(bits, s.data.inputs, s.data.labels, s.from, s.batch, sc.maxSweeps(), sc.stop().ordinal(), tolerance(sc));
        if ((phases & FusedSolver.STEP_FORWARD) != 0) {
            s.gathered = true;
        }
    }

    private static float tolerance(SolverConfig sc) {
        return sc.stop() == StopRule.FIXED ? 0f : (float) sc.tol();
    }

    /** Gather and forward matrix products, then each phase by fused_solve or the layered solver. */
    private void runPhasesSeparately() {
        if (s.waiting(FORWARD)) {
            l.phase(Launcher.FORWARD);
            gather();
            layered.forward(FORWARD, s.batch);
        }
        if (s.waiting(FREE)) {
            l.phase(Launcher.FREE);
            infer(FREE, FORWARD, s.solverOf[FREE]);
        }
        if (s.waiting(CLAMPED)) {
            l.phase(Launcher.CLAMPED);
            infer(CLAMPED, s.clampedStart, s.solverOf[CLAMPED]);
        }
        if (s.waiting(NEGATIVE)) {
            l.phase(Launcher.NEGATIVE);
            infer(NEGATIVE, s.negativeStart, s.solverOf[NEGATIVE]);
        }
    }

    private void gather() {
        if (!s.gathered) {
            int n0 = lay.width(0);
            l.launch(Kernel.GATHER.args().i(s.batch).i(n0).b(ws.order).i(s.from).b(s.data.inputs).b(s.data.labels).b(ws.x)
                    .b(ws.y), Launcher.groups(n0, TS), Launcher.groups(s.batch, TS), TS, TS, 0);
            s.gathered = true;
        }
    }

    private void infer(int p, int start, SolverConfig solver) {
        int rule = solver.stop().ordinal();
        float tol = tolerance(solver);
        if (lay.layers() < 2) {
            // No hidden layer: the free phase is the forward pass, the clamped one has nothing to solve.
            layered.withoutHidden(p, start, s.batch);
        } else {
            grads.refreshColNorms();
            if (usesFusedPath()) {
                GpuDevice dev = l.device();
                if (!fused.solveFits()) {
                    throw new EngineException("net " + ws.config.net() + " needs " + fused.solveBytes() + " bytes of local memory "
                            + "for the fused solver; " + dev.info().name() + " has " + dev.localMemoryBytes());
                }
                fused.solve(p, start, solver.maxSweeps(), rule, tol, s.batch);
            } else {
                layered.infer(p, start, solver.maxSweeps(), rule, tol, s.batch);
            }
        }
        stats.addSolve(s.batch);
    }

    /** Runs the waiting phases, then the waiting gradient and update: one grad_update launch for the energy gradients. */
    void flushGradient() {
        Method m = s.pendingGradient;
        boolean apply = s.pendingRow != null || s.rateTable != null;
        if (m == null && !apply) {
            return;
        }
        runPhases();
        GpuBuffer table = s.rateTable;
        int offset = s.rateOffset;
        if (table == null && s.pendingRow != null) {
            table = grads.ringBuffer();
            offset = grads.pushRow(s.pendingRow);
        }
        if (table == null) {
            table = grads.ringBuffer(); // not read: the launch computes the gradient only
        }
        boolean symmetric = s.pendingSymmetric;
        s.pendingGradient = null;
        s.pendingSymmetric = false;
        s.pendingRow = null;
        s.rateTable = null;
        l.phase(Launcher.GRADIENT_UPDATE);
        int mode = GradientUpdate.COMPUTE | (apply ? GradientUpdate.APPLY : 0);
        if (m == Method.CONTRASTIVE && symmetric) {
            grads.symmetricGradient(mode, table, offset, s.batch, layered);
        } else if (m == Method.CONTRASTIVE || m == Method.LIFTED) {
            grads.energyGradient(mode, m == Method.LIFTED, table, offset, s.batch);
        } else {
            if (m != null) {
                grads.backpropGradient(s.batch, layered);
            }
            if (apply) {
                grads.apply(table, offset);
            }
        }
    }
}
