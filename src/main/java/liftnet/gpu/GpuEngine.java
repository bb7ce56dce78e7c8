package liftnet.gpu;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.EngineChecks;
import liftnet.api.EngineException;
import liftnet.api.EngineProfile;
import liftnet.api.EpochStats;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.data.Dataset;
import org.lwjgl.system.MemoryUtil;

/**
 * The GPU engine, written once over a {@link GpuDevice}: {@code liftnet.opencl.OclEngine} and
 * {@code liftnet.cuda.CudaEngine} only open their device. Everything stays on the device between
 * {@link #upload} and {@link #drainStats}: the sample order of an epoch is uploaded once (without waiting for
 * the copy), batches are gathered from it on the device, and per step nothing crosses between host and device.
 *
 * <p>Calls are recorded and run when their results are needed: the phases of a batch when the gradient is asked
 * for (or anything is read), the gradient with the update. So the paper's step ({@code selectBatch, forward,
 * inferFree, inferClamped, computeGradient, applyUpdate}) costs two launches on the {@link StepMode#FUSED} path:
 * {@code fused_step} (gather, forward, free and clamped inference, hidden weights in local memory) and
 * {@code grad_update} (gradient and update of every layer). The routines sit in their own classes:
 * {@link FusedSolver}, {@link LayeredSolver}, {@link GradientUpdate}, {@link DeviceStats}, memory in
 * {@link Workspace}.
 *
 * <p>Inference (red-black Jacobi with exact line search, see {@code kernels/solver.cl}) runs one of two ways:
 * <ul>
 *   <li>{@link Path#FUSED}: one work-group per sample with the sample's activations in local memory, all sweeps
 *       of a phase in one launch: {@code fused_step} where the hidden weights fit in local memory too (unless
 *       {@link StepMode#OFF}), else {@code fused_solve}, which reads them from global memory;</li>
 *   <li>{@link Path#LAYERED}: five launches per hidden layer and sweep over the whole batch (tiled matrix
 *       kernels), for layers too big for local memory.</li>
 * </ul>
 * {@link Path#AUTO} (the default) takes the fused path when the activations fit in local memory and no layer
 * is wider than {@link #FUSED_MAX_WIDTH}. All paths run the same arithmetic, so they agree to float rounding.
 */
public abstract class GpuEngine implements Engine {

    /** How inference is run. */
    public enum Path {
        /** Fused when the net fits in local memory, else layered. */
        AUTO,
        /** One launch per phase, a work-group per sample (fails if the net does not fit). */
        FUSED,
        /** Launches per layer and sweep over the batch. */
        LAYERED
    }

    /** How the fused path groups the phases of a step into {@code fused_step} launches. */
    public enum StepMode {
        /** Gather, forward, free and clamped inference in one launch. */
        FUSED,
        /** One launch per phase (forward with the gather, free, clamped): a device time per phase. */
        PHASED,
        /** No {@code fused_step}: gather, forward matrix products and {@code fused_solve} per phase. */
        OFF;

        /** From system property {@value #PROPERTY} ({@code fused}, {@code phased}, {@code off}); default FUSED. */
        public static StepMode fromProperty() {
            String v = System.getProperty(PROPERTY, "fused");
            try {
                return valueOf(v.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new EngineException("-D" + PROPERTY + "=" + v + " is not one of fused, phased, off; fix the property");
            }
        }

        /** The system property that chooses the default step mode (for scripts/gpu-check.sh). */
        public static final String PROPERTY = "liftnet.gpu.step";
    }

    /**
     * System property that turns epoch replay off ({@code off}; default {@code on}): on CUDA the launches of an
     * epoch's steps are captured once into a CUDA graph and the graph is replayed each epoch.
     */
    public static final String GRAPH_PROPERTY = "liftnet.gpu.graph";

    /** Widest layer (1..L) for which {@link Path#AUTO} takes the fused path. */
    public static final int FUSED_MAX_WIDTH = 256;

    /** Every kernel the engine launches, by name ({@link Kernel} lists them with their files and parameters). */
    public static final List<String> KERNELS = Kernel.names();

    private static final int TS = KernelSource.TILE;
    private static final int FORWARD = Phase.FORWARD.ordinal();
    private static final int FREE = Phase.FREE.ordinal();
    private static final int CLAMPED = Phase.CLAMPED.ordinal();

    private final GpuDevice dev;
    private final NetConfig config;
    private final NetLayout lay;
    private final String name;
    private final Workspace ws;
    private final Launcher l;
    private final LayeredSolver layered;
    private final FusedSolver fused;
    private final GradientUpdate grads;
    private final DeviceStats stats;
    private Path path = Path.AUTO;
    private StepMode stepMode = StepMode.fromProperty();

    private int[] orderHost = new int[0];
    private ByteBuffer orderStaging;
    private long orderCopiedAt = -1;
    private GpuData current;
    private int from;
    private int batch;
    private boolean gathered;

    /** Phases asked for this batch (valid) and those already run (computed); the rest waits for {@link #flush()}. */
    private final boolean[] valid = new boolean[3];
    private final boolean[] computed = new boolean[3];
    private final SolverConfig[] solverOf = new SolverConfig[3];
    private int clampedStart = FORWARD;
    private Method pendingGradient;
    private double[] pendingRates;

    /** Steps recorded for a {@link GpuDevice.Replay} of the epoch, not yet launched (see {@link #applyUpdate}). */
    private final List<StepRecord> deferred = new ArrayList<>();
    private List<StepRecord> replayed = List.of();
    /** The steps the last launch of recorded steps held: a list seen twice in a row is worth recording. */
    private List<StepRecord> previous = List.of();
    private GpuDevice.Replay replay;
    // A graph cannot hold the per-launch synchronisation of the kernel-fault switch, so that switch turns replay off.
    private boolean graphs = !"off".equalsIgnoreCase(System.getProperty(GRAPH_PROPERTY, "on").trim()) && !SyncLaunches.enabled();
    private boolean replayUnsupported;

    private boolean profiling;
    private long steps;
    private long statsSyncs;
    private long launchesAtDrain;
    private long syncsAtDrain;
    private boolean closed;

    /**
     * Takes ownership of {@code dev} (closed with the engine, also when this constructor fails).
     *
     * @param backend backend id for {@link #name()}, e.g. {@code opencl:0}
     */
    protected GpuEngine(String backend, GpuDevice dev, NetConfig config) {
        this.dev = dev;
        this.config = config;
        Workspace w = null;
        try {
            if (!config.outputLoss().isHard()) {
                throw new EngineException("the soft clamp (" + config.outputLoss() + ") is implemented by the cpu engine only;"
                        + " the " + backend + " engine runs the hard clamp; use --device cpu");
            }
            this.name = backend + " " + dev.info().name();
            w = new Workspace(dev, config);
            this.ws = w;
            this.l = w.launcher;
            this.lay = w.lay;
            this.layered = new LayeredSolver(w);
            this.fused = new FusedSolver(w);
            this.grads = new GradientUpdate(w);
            this.stats = new DeviceStats(w);
            stats.reset();
        } catch (RuntimeException | Error e) {
            if (w != null) {
                w.close();
            }
            dev.close();
            throw e;
        }
    }

    /** Chooses how inference runs (default {@link Path#AUTO}); for tests and benchmarks. */
    public void setPath(Path path) {
        flush();
        this.path = path;
    }

    /** Chooses how the fused path groups a step's phases (default from {@link StepMode#fromProperty()}). */
    public void setStepMode(StepMode mode) {
        flush();
        this.stepMode = mode;
    }

    /** Chooses the kernel of the batched products {@code A W^T} (default from {@link LayeredSolver.Gemm#PROPERTY}). */
    public void setGemm(LayeredSolver.Gemm g) {
        flush();
        layered.gemm(g);
    }

    /** Turns epoch replay (CUDA graphs) on or off (default from {@link #GRAPH_PROPERTY}). */
    public void setGraphs(boolean on) {
        flush();
        graphs = on;
        closeReplay();
    }

    /** Dynamic local (shared) memory of one fused-solver work-group for this net, bytes. */
    public int fusedLocalBytes() {
        return (int) fused.solveBytes();
    }

    /** Whether inference currently takes the fused path. */
    public boolean usesFusedPath() {
        return switch (path) {
            case FUSED -> true;
            case LAYERED -> false;
            case AUTO -> fused.solveFits() && lay.maxWidth() <= FUSED_MAX_WIDTH;
        };
    }

    /** Whether the phases run in {@code fused_step} (hidden weights in local memory). */
    public boolean usesStepKernel() {
        return stepMode != StepMode.OFF && usesFusedPath() && fused.stepFits();
    }

    /** The device this engine runs on. */
    protected GpuDevice device() {
        return dev;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public NetConfig config() {
        return config;
    }

    // ---- parameters ----

    @Override
    public void setParameters(Parameters p) {
        requireOpen();
        EngineChecks.parameters(config, p);
        flush();
        l.writeFloats(ws.params, p.flatten());
        grads.parametersChanged();
        invalidate();
    }

    @Override
    public Parameters parameters() {
        requireOpen();
        flush();
        return unflatten(l.readFloats(ws.params, lay.paramCount()));
    }

    @Override
    public Parameters gradient() {
        requireOpen();
        flush();
        return unflatten(l.readFloats(ws.grad, lay.paramCount()));
    }

    private Parameters unflatten(float[] flat) {
        Parameters p = Parameters.zeros(config.net());
        for (int k = 0; k < lay.layers(); k++) {
            float[] w = p.weight(k);
            System.arraycopy(flat, lay.wOffset(k), w, 0, w.length);
            float[] b = p.bias(k);
            System.arraycopy(flat, lay.bOffset(k), b, 0, b.length);
        }
        return p;
    }

    // ---- data ----

    @Override
    public DeviceData upload(Dataset data) {
        requireOpen();
        EngineChecks.upload(config, data);
        GpuBuffer in = dev.allocate(Math.max(4, 4L * data.inputs().length));
        GpuBuffer lab;
        try {
            lab = dev.allocate(Math.max(4, 4L * data.count()));
            if (data.count() > 0) {
                l.writeFloats(in, data.inputs());
                l.writeInts(lab, data.labels());
            }
        } catch (RuntimeException e) {
            in.close();
            throw e;
        }
        return new GpuData(this, data, in, lab);
    }

    /** A data set in device memory. */
    private static final class GpuData implements DeviceData {
        private final GpuEngine owner;
        private final Dataset data;
        private final GpuBuffer inputs;
        private final GpuBuffer labels;
        private boolean closed;

        GpuData(GpuEngine owner, Dataset data, GpuBuffer inputs, GpuBuffer labels) {
            this.owner = owner;
            this.data = data;
            this.inputs = inputs;
            this.labels = labels;
        }

        @Override
        public Dataset dataset() {
            return data;
        }

        @Override
        public void close() {
            if (!closed) {
                if (!owner.closed) {
                    owner.launchDeferred();
                    owner.flush();
                    owner.closeReplay();
                    if (owner.current == this) {
                        owner.current = null;
                        owner.batch = 0;
                    }
                    inputs.close();
                    labels.close();
                }
                closed = true;
            }
        }
    }

    @Override
    public void selectBatch(DeviceData data, int[] order, int from, int size) {
        requireOpen();
        if (!(data instanceof GpuData g) || g.owner != this) {
            throw new IllegalArgumentException("data was not uploaded to this engine (" + name + ")");
        }
        if (g.closed) {
            throw new IllegalStateException("data " + g.data.name() + " was closed");
        }
        EngineChecks.batch(g.data, order, from, size);
        boolean newOrder = !Arrays.equals(order, from, from + size, orderHost, Math.min(from, orderHost.length),
                Math.min(from + size, orderHost.length));
        if (newOrder || size > ws.capacity) {
            flush(); // the recorded steps read the order and batch buffers as they are now
        }
        if (size > ws.capacity) {
            closeReplay();
        }
        ws.ensureCapacity(size);
        if (newOrder) {
            uploadOrder(order);
        }
        current = g;
        this.from = from;
        batch = size;
        gathered = false;
        invalidate();
    }

    /** Puts a copy of {@code order} on the device (once per epoch: the trainer's batches are its slices), without waiting. */
    private void uploadOrder(int[] order) {
        if (orderCopiedAt == l.syncs()) {
            l.finish(); // the staging memory of the previous copy is about to be reused
        }
        int bytes = Launcher.asyncBytes(4L * order.length);
        if (ws.order == null || ws.order.bytes() < bytes) {
            closeReplay(); // it reads the old buffer
        }
        ws.ensureOrder(bytes);
        if (orderStaging == null || orderStaging.capacity() < bytes) {
            if (orderStaging != null) {
                MemoryUtil.memFree(orderStaging);
            }
            orderStaging = MemoryUtil.memCalloc(bytes);
        }
        orderStaging.clear();
        orderStaging.asIntBuffer().put(order);
        orderStaging.limit(bytes);
        l.writeAsync(ws.order, orderStaging);
        orderCopiedAt = l.syncs();
        orderHost = order.clone();
    }

    @Override
    public int batchSize() {
        return batch;
    }

    private void invalidate() {
        Arrays.fill(valid, false);
        Arrays.fill(computed, false);
    }

    // ---- phases (recorded; run by flush) ----

    @Override
    public void forward() {
        requireBatch();
        flushGradient();
        valid[FORWARD] = true;
        computed[FORWARD] = false;
        valid[FREE] = false;
        valid[CLAMPED] = false;
    }

    @Override
    public void inferFree(SolverConfig solver) {
        request(FREE, solver);
    }

    @Override
    public void inferClamped(SolverConfig solver) {
        request(CLAMPED, solver);
    }

    private void request(int p, SolverConfig solver) {
        requireBatch();
        if (!valid[FORWARD]) {
            throw new IllegalStateException("inference starts from the forward pass: call forward() after selectBatch()");
        }
        if (solver.solver() != Solver.JACOBI) {
            throw new EngineException("the GPU engines run the red-black Jacobi solver only; asked for " + solver.solver().id()
                    + " (use --solver jacobi, or the cpu engine for Gauss-Seidel)");
        }
        flushGradient();
        if (p == CLAMPED) {
            // The clamped phase starts from the free minimiser when this batch has one (see Engine#inferClamped).
            clampedStart = valid[FREE] ? FREE : FORWARD;
        } else if (valid[CLAMPED] && !computed[CLAMPED]) {
            runPhases(); // a waiting clamped phase was asked for before this free one and starts from the forward pass
        }
        valid[p] = true;
        computed[p] = false;
        solverOf[p] = solver;
    }

    /** Runs what was recorded: the phases, then the gradient and the update. */
    private void flush() {
        if (closed) {
            return;
        }
        issueDeferred();
        runPhases();
        flushGradient();
    }

    private boolean waiting(int p) {
        return valid[p] && !computed[p];
    }

    private void runPhases() {
        if (!waiting(FORWARD) && !waiting(FREE) && !waiting(CLAMPED)) {
            return;
        }
        if (usesStepKernel()) {
            runStep();
        } else {
            runPhasesSeparately();
        }
        computed[FORWARD] = valid[FORWARD];
        computed[FREE] = valid[FREE];
        computed[CLAMPED] = valid[CLAMPED];
    }

    /** fused_step launches: all waiting phases in one, or one per phase ({@link StepMode#PHASED}). */
    private void runStep() {
        int phases = (waiting(FORWARD) ? FusedSolver.STEP_FORWARD : 0) | (waiting(FREE) ? FusedSolver.STEP_FREE : 0)
                | (waiting(CLAMPED) ? FusedSolver.STEP_CLAMPED : 0);
        boolean together = stepMode == StepMode.FUSED
                && (!waiting(FREE) || !waiting(CLAMPED) || (solverOf[FREE].equals(solverOf[CLAMPED]) && clampedStart == FREE));
        if (together) {
            stepLaunch(phases);
            return;
        }
        for (int bit : new int[] {FusedSolver.STEP_FORWARD, FusedSolver.STEP_FREE, FusedSolver.STEP_CLAMPED}) {
            if ((phases & bit) != 0) {
                stepLaunch(bit);
            }
        }
    }

    private void stepLaunch(int phases) {
        int bits = phases;
        if ((phases & FusedSolver.STEP_CLAMPED) != 0 && (phases & FusedSolver.STEP_FREE) == 0 && clampedStart == FREE) {
            bits |= FusedSolver.STEP_CLAMPED_FROM_FREE;
        }
        boolean free = (phases & FusedSolver.STEP_FREE) != 0;
        boolean clamped = (phases & FusedSolver.STEP_CLAMPED) != 0;
        l.phase(Integer.bitCount(phases) > 1 ? Launcher.STEP
                : free ? Launcher.FREE : clamped ? Launcher.CLAMPED : Launcher.FORWARD);
        SolverConfig s = free ? solverOf[FREE] : clamped ? solverOf[CLAMPED] : SolverConfig.paperDefault();
        fused.step(bits, current.inputs, current.labels, from, batch, s.maxSweeps(), s.stop().ordinal(), tolerance(s));
        if ((phases & FusedSolver.STEP_FORWARD) != 0) {
            gathered = true;
        }
    }

    private static float tolerance(SolverConfig s) {
        return s.stop() == liftnet.api.StopRule.FIXED ? 0f : (float) s.tol();
    }

    /** Gather and forward matrix products, then each phase by fused_solve or the layered solver. */
    private void runPhasesSeparately() {
        if (waiting(FORWARD)) {
            l.phase(Launcher.FORWARD);
            gather();
            layered.forward(FORWARD, batch);
        }
        if (waiting(FREE)) {
            l.phase(Launcher.FREE);
            infer(FREE, FORWARD, solverOf[FREE]);
        }
        if (waiting(CLAMPED)) {
            l.phase(Launcher.CLAMPED);
            infer(CLAMPED, clampedStart, solverOf[CLAMPED]);
        }
    }

    private void gather() {
        if (!gathered) {
            int n0 = lay.width(0);
            l.launch(Kernel.GATHER.args().i(batch).i(n0).b(ws.order).i(from).b(current.inputs).b(current.labels).b(ws.x).b(ws.y),
                    Launcher.groups(n0, TS), Launcher.groups(batch, TS), TS, TS, 0);
            gathered = true;
        }
    }

    private void infer(int p, int start, SolverConfig solver) {
        boolean clamped = p == CLAMPED;
        int rule = solver.stop().ordinal();
        float tol = tolerance(solver);
        if (lay.layers() < 2) {
            // No hidden layer: the free phase is the forward pass, the clamped one has nothing to solve.
            layered.withoutHidden(p, start, clamped, batch);
        } else {
            grads.refreshColNorms();
            if (usesFusedPath()) {
                if (!fused.solveFits()) {
                    throw new EngineException("net " + config.net() + " needs " + fused.solveBytes() + " bytes of local memory for "
                            + "the fused solver; " + dev.info().name() + " has " + dev.localMemoryBytes());
                }
                fused.solve(p, start, clamped, solver.maxSweeps(), rule, tol, batch);
            } else {
                layered.infer(p, start, clamped, solver.maxSweeps(), rule, tol, batch);
            }
        }
        stats.addSolve(batch);
    }

    // ---- gradients and update ----

    @Override
    public void computeGradient(Method method) {
        requireBatch();
        switch (method) {
            case CONTRASTIVE -> {
                requirePhase(CLAMPED, method);
                requirePhase(FREE, method);
            }
            case LIFTED -> requirePhase(CLAMPED, method);
            case BACKPROP, LINEAR -> requirePhase(FORWARD, method);
        }
        flushGradient();
        pendingGradient = method;
    }

    /**
     * {@code theta_k -= rates[k] * G_k} per layer, on the device, with the gradient of the preceding
     * {@link #computeGradient} in the same launch; a gradient holding a NaN or an infinity is not applied (decided
     * on the device, counted in the statistics). Invalidates the activations.
     */
    @Override
    public void applyUpdate(double[] rates) {
        requireOpen();
        EngineChecks.rates(config, rates);
        pendingRates = rates.clone();
        if (defersSteps()) {
            StepRecord r = record();
            if (!deferred.isEmpty() && !deferred.get(0).rates().equals(r.rates())) {
                issueDeferred(); // one replay holds one set of rates (they live in device memory)
            }
            grads.uploadRates(pendingRates);
            deferred.add(r);
            pendingGradient = null;
            pendingRates = null;
        } else {
            flushGradient();
        }
        steps++;
        invalidate();
    }

    /**
     * Whether steps are recorded instead of launched: with epoch replay on, not profiling, on the fused step path,
     * for the energy gradients, until the device has shown it cannot replay (OpenCL: after the first epoch).
     */
    private boolean defersSteps() {
        return graphs && !profiling && !replayUnsupported && current != null && usesStepKernel()
                && (pendingGradient == Method.CONTRASTIVE || pendingGradient == Method.LIFTED);
    }

    /** What one recorded step launches: the batch, its waiting phases and solvers, the gradient, the rates. */
    private record StepRecord(GpuData data, int from, int batch, boolean forward, boolean free, boolean clamped,
                              SolverConfig freeSolver, SolverConfig clampedSolver, int clampedStart, Method method,
                              List<Double> rates) {
    }

    private StepRecord record() {
        List<Double> r = Arrays.stream(pendingRates).boxed().toList();
        return new StepRecord(current, from, batch, waiting(FORWARD), waiting(FREE), waiting(CLAMPED), solverOf[FREE],
                solverOf[CLAMPED], clampedStart, pendingGradient, r);
    }

    /** Launches recorded steps in order, as if each had run when it was recorded; the current batch's state stays. */
    private void issue(List<StepRecord> list) {
        GpuData c = current;
        int f = from;
        int size = batch;
        boolean g = gathered;
        boolean[] v = valid.clone();
        boolean[] done = computed.clone();
        SolverConfig[] solvers = solverOf.clone();
        int start = clampedStart;
        Method m = pendingGradient;
        double[] rates = pendingRates;
        for (StepRecord r : list) {
            current = r.data();
            from = r.from();
            batch = r.batch();
            gathered = false;
            valid[FORWARD] = true;
            computed[FORWARD] = !r.forward();
            valid[FREE] = r.free();
            computed[FREE] = false;
            valid[CLAMPED] = r.clamped();
            computed[CLAMPED] = false;
            solverOf[FREE] = r.freeSolver();
            solverOf[CLAMPED] = r.clampedSolver();
            clampedStart = r.clampedStart();
            pendingGradient = r.method();
            pendingRates = r.rates().stream().mapToDouble(Double::doubleValue).toArray();
            flushGradient();
        }
        current = c;
        from = f;
        batch = size;
        gathered = g;
        System.arraycopy(v, 0, valid, 0, v.length);
        System.arraycopy(done, 0, computed, 0, done.length);
        System.arraycopy(solvers, 0, solverOf, 0, solvers.length);
        clampedStart = start;
        pendingGradient = m;
        pendingRates = rates;
    }

    /** Launches the recorded steps one by one. */
    private void issueDeferred() {
        if (!deferred.isEmpty()) {
            List<StepRecord> list = List.copyOf(deferred);
            deferred.clear();
            issue(list);
        }
    }

    /**
     * Launches the recorded steps of the epoch: by replaying the recording of the same steps when there is one; by
     * recording them (CUDA: stream capture) and launching that when the previous epoch held the same steps; else,
     * and where the device cannot record, one by one.
     */
    private void launchDeferred() {
        if (deferred.isEmpty()) {
            return;
        }
        List<StepRecord> list = List.copyOf(deferred);
        deferred.clear();
        if (replay != null && list.equals(replayed)) {
            replay.launch();
            return;
        }
        boolean seenBefore = list.equals(previous);
        previous = list;
        if (!seenBefore) {
            issue(list);
            return;
        }
        closeReplay();
        replay = dev.record(() -> issue(list));
        if (replay == null) {
            replayUnsupported = true;
            issue(list);
            return;
        }
        replayed = list;
        replay.launch();
    }

    private void closeReplay() {
        if (replay != null) {
            replay.close();
            replay = null;
            replayed = List.of();
        }
    }

    /** Runs a recorded gradient and update: one grad_update launch for the energy gradients. */
    private void flushGradient() {
        Method m = pendingGradient;
        double[] rates = pendingRates;
        if (m == null && rates == null) {
            return;
        }
        runPhases();
        pendingGradient = null;
        pendingRates = null;
        l.phase(Launcher.GRADIENT_UPDATE);
        if (m == Method.CONTRASTIVE || m == Method.LIFTED) {
            int mode = GradientUpdate.COMPUTE | (rates != null ? GradientUpdate.APPLY : 0);
            grads.energyGradient(mode, m == Method.CONTRASTIVE, rates, batch);
        } else {
            if (m != null) {
                grads.backpropGradient(batch);
            }
            if (rates != null) {
                grads.apply(rates);
            }
        }
    }

    // ---- metrics ----

    @Override
    public void accumulateMetrics(Phase prediction) {
        requireBatch();
        int p = prediction.ordinal();
        if (!valid[p]) {
            throw new IllegalStateException("no " + prediction + " activations for this batch to take metrics from");
        }
        flush();
        l.phase(Launcher.OTHER);
        stats.addMetrics(p, batch, valid[FREE], valid[CLAMPED]);
    }

    @Override
    public EpochStats drainStats() {
        requireOpen();
        launchDeferred();
        flush();
        long before = l.syncs();
        EpochStats s = stats.drain();
        statsSyncs += l.syncs() - before;
        return s;
    }

    // ---- profile ----

    @Override
    public boolean enableProfiling() {
        requireOpen();
        launchDeferred();
        flush();
        l.enableTiming();
        profiling = true;
        drainProfile();
        return true;
    }

    @Override
    public EngineProfile drainProfile() {
        if (!profiling) {
            return null;
        }
        flush();
        long syncs = l.syncs();
        var times = l.drainTimes(); // waits for the device: not a step's synchronisation
        EngineProfile p = new EngineProfile(steps, l.launches() - launchesAtDrain, syncs - syncsAtDrain - statsSyncs, statsSyncs, times);
        steps = 0;
        statsSyncs = 0;
        launchesAtDrain = l.launches();
        syncsAtDrain = l.syncs();
        return p;
    }

    // ---- inspection ----

    @Override
    public float[] activations(Phase phase, int layer) {
        int p = requireValid(phase);
        if (layer < 0 || layer > lay.layers()) {
            throw new IllegalArgumentException("layer " + layer + " is outside 0.." + lay.layers());
        }
        flush();
        if (layer == 0) {
            return l.readFloats(ws.x, batch * lay.width(0));
        }
        int ld = lay.rowWidth();
        float[] rows = l.readFloats(ws.z[p], batch * ld);
        int n = lay.width(layer);
        float[] out = new float[batch * n];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(rows, b * ld + lay.zOffset(layer), out, b * n, n);
        }
        return out;
    }

    @Override
    public double[] energies(Phase phase) {
        int p = requireValid(phase);
        flush();
        if (p == FORWARD) {
            // The phases keep the energies their inference ended with (the ones the metrics sum).
            layered.energyInto(p, batch);
        }
        float[] e = l.readFloats(ws.energy[p], batch);
        double[] out = new double[batch];
        for (int b = 0; b < batch; b++) {
            out[b] = e[b];
        }
        return out;
    }

    @Override
    public double kktResidual(Phase phase) {
        int p = requireValid(phase);
        flush();
        layered.kktInto(p, ws.step, p == CLAMPED, batch);
        float[] r = l.readFloats(ws.step, batch);
        double max = 0;
        for (float v : r) {
            max = Math.max(max, v);
        }
        return max;
    }

    // ---- state checks and cleanup ----

    private int requireValid(Phase phase) {
        requireBatch();
        int p = phase.ordinal();
        if (!valid[p]) {
            throw new IllegalStateException("no " + phase + " activations for this batch");
        }
        return p;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("engine " + name + " is closed");
        }
    }

    private void requireBatch() {
        requireOpen();
        if (batch == 0) {
            throw new IllegalStateException("no batch selected: call selectBatch() first");
        }
    }

    private void requirePhase(int p, Method method) {
        if (!valid[p]) {
            throw new IllegalStateException(method.id() + " needs the " + Phase.values()[p] + " activations of this batch");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                try {
                    dev.finish(); // asynchronous copies read the staging memory freed below
                } catch (RuntimeException e) {
                    System.getLogger(GpuEngine.class.getName()).log(System.Logger.Level.WARNING, "finishing " + name + " failed", e);
                }
                closeReplay();
                ws.close();
                grads.close();
                if (orderStaging != null) {
                    MemoryUtil.memFree(orderStaging);
                    orderStaging = null;
                }
            } finally {
                dev.close();
            }
        }
    }
}
