package liftnet.gpu;

import static liftnet.gpu.BatchState.CLAMPED;
import static liftnet.gpu.BatchState.FORWARD;
import static liftnet.gpu.BatchState.FREE;
import static liftnet.gpu.BatchState.NEGATIVE;

import java.util.EnumSet;
import java.util.List;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.EngineCapabilities;
import liftnet.api.EngineChecks;
import liftnet.api.EngineException;
import liftnet.api.EngineProfile;
import liftnet.api.EpochStats;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.OptimizerConfig;
import liftnet.api.OptimizerState;
import liftnet.api.OutputLoss;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.data.Dataset;

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
 * {@link Workspace}; data sets and batches in {@link DeviceBatches}, the recorded phases run by
 * {@link PhaseScheduler}, epoch recording and replay in {@link EpochReplay}, read-backs in {@link Readback}.
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

    }

    /** Widest layer (1..L) for which {@link Path#AUTO} takes the fused path. */
    public static final int FUSED_MAX_WIDTH = 256;

    /**
     * What the GPU engines train, in one place for OpenCL and CUDA (their providers return it too): every update
     * rule, applied in {@code grad_update} with the moments in device memory; the hard clamp and both soft clamps
     * (the output's prox in the solver kernels); symmetric nudging's negative phase (the same prox with {@code -beta}),
     * whose convexity bound the trainer checks once per epoch, on weights read back at the epoch's boundaries, not per
     * step ({@link EngineCapabilities.BoundCheck#EPOCH}: a step reads nothing back); the red-black Jacobi solver; dense
     * and convolutional layers (convolutions always on the {@link Path#LAYERED} path, with the kernels of
     * {@code kernels/conv.cl}) and average pooling after a convolution ({@code p<K>}, folded into the next layer's
     * products, {@link PooledProducts}).
     *
     * @param backend the backend id, e.g. {@code opencl}
     */
    public static EngineCapabilities capabilities(String backend) {
        return new EngineCapabilities(backend, EnumSet.allOf(OptimizerConfig.Kind.class), EnumSet.allOf(OutputLoss.Kind.class),
                EnumSet.of(Solver.JACOBI), true, true, true, EngineCapabilities.BoundCheck.EPOCH);
    }

    /** Every kernel the engine launches, by name ({@link Kernel} lists them with their files and parameters). */
    public static final List<String> KERNELS = Kernel.names();

    private final GpuDevice dev;
    private final NetConfig config;
    private final String name;
    private final Workspace ws;
    private final Launcher l;
    private final LayeredSolver layered;
    private final FusedSolver fused;
    private final GradientUpdate grads;
    private final DeviceStats stats;
    private final PhaseScheduler sched;
    private final EpochReplay replay;
    private final DeviceBatches batches;
    private final Readback readback;
    private final ProfileCounts counts;
    private final EngineCapabilities capabilities;
    /** Updates applied with the stateful rule since {@link #setOptimizer} (Adam's {@code t}). */
    private long optimizerSteps;
    private boolean closed;

    /**
     * Refuses a net the GPU engines do not run (a layer kind missing from {@link #capabilities}), before any device is opened: subclasses call it
     * in their {@code super(...)} arguments ahead of creating the device.
     *
     * @param backend backend id, e.g. {@code opencl:0}
     * @return {@code backend}
     * @throws EngineException naming the engine that runs the net
     */
    protected static String supported(String backend, NetConfig config) {
        capabilities(backend.contains(":") ? backend.substring(0, backend.indexOf(':')) : backend).requireLayers(config.net());
        return backend;
    }

    /**
     * Takes ownership of {@code dev} (closed with the engine, also when this constructor fails).
     *
     * @param backend backend id for {@link #name()}, e.g. {@code opencl:0}
     * @param options the switches the engine starts with
     */
    protected GpuEngine(String backend, GpuDevice dev, NetConfig config, GpuOptions options) {
        this.dev = dev;
        this.config = config;
        Workspace w = null;
        try {
            this.capabilities = capabilities(backend.contains(":") ? backend.substring(0, backend.indexOf(':')) : backend);
            if (!capabilities.supports(config.outputLoss())) {
                throw capabilities.unsupported("--output-loss " + config.outputLoss().kind().id()
                        + " with a finite --clamp-weight (the soft clamp)");
            }
            if (config.net().layers() > StepRates.maxLayers()) {
                throw new EngineException("the " + backend + " engine runs nets of at most " + StepRates.maxLayers()
                        + " weight layers; found " + config.net().layers() + "; use --device cpu");
            }
            this.name = backend + " " + dev.info().name();
            w = new Workspace(dev, config);
            this.ws = w;
            this.l = w.launcher;
            w.convForm = options.conv();
            this.layered = new LayeredSolver(w, options.gemm());
            layered.earlyExit(options.earlyExit());
            this.grads = new GradientUpdate(w);
            this.stats = new DeviceStats(w);
            this.fused = new FusedSolver(w);
            this.sched = new PhaseScheduler(w, layered, fused, grads, stats, options.path(), options.step());
            this.replay = new EpochReplay(dev, sched, grads, options.graphs());
            this.batches = new DeviceBatches(w, this::flush, replay::closeReplay, this::released);
            this.readback = new Readback(w, layered);
            this.counts = new ProfileCounts(l);
            stats.reset();
        } catch (RuntimeException | Error e) {
            if (w != null) {
                w.close();
            }
            dev.close();
            throw e;
        }
    }

    /** Before {@code data}'s buffers are freed: launches what reads them and forgets the batch taken from them. */
    private void released(DeviceBatches.Data data) {
        replay.launchDeferred();
        flush();
        replay.closeReplay();
        if (s().data == data) {
            s().data = null;
            s().batch = 0;
        }
    }

    private BatchState s() {
        return sched.state();
    }

    /** Chooses how inference runs (default from the {@link GpuOptions}); for tests and benchmarks. */
    public void setPath(Path path) {
        flush();
        sched.path(path);
    }

    /** Chooses how the fused path groups a step's phases (default from the {@link GpuOptions}). */
    public void setStepMode(StepMode mode) {
        flush();
        sched.stepMode(mode);
    }

    /** Chooses the kernel of the batched products {@code A W^T} (default from the {@link GpuOptions}). */
    public void setGemm(LayeredSolver.Gemm g) {
        flush();
        layered.gemm(g);
    }

    /** Chooses the kernels of the convolutions' products (default from the {@link GpuOptions}). */
    public void setConv(ConvForm form) {
        flush();
        ws.convForm = form;
    }

    /**
     * Turns the layered solver's batch-level early exit on or off (default from the {@link GpuOptions}): the results
     * are the same, only the launches of sweeps after the batch's last sample stopped do no work when it is on.
     */
    public void setEarlyExit(boolean on) {
        flush();
        layered.earlyExit(on);
    }

    /** Launches that returned at once since the engine started, no sample being active (a host synchronisation; tests). */
    long skippedLaunches() {
        flush();
        return l.readInts(ws.live, 2)[1];
    }

    /** Turns epoch replay (CUDA graphs) on or off (default from the {@link GpuOptions}). */
    public void setGraphs(boolean on) {
        flush();
        replay.enable(on);
    }

    /** Dynamic local (shared) memory of one fused-solver work-group for this net, bytes. */
    public int fusedLocalBytes() {
        return (int) fused.solveBytes();
    }

    /** Whether inference currently takes the fused path. */
    public boolean usesFusedPath() {
        return sched.usesFusedPath();
    }

    /** Whether the phases run in {@code fused_step} (hidden weights in local memory). */
    public boolean usesStepKernel() {
        return sched.usesStepKernel();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public NetConfig config() {
        return config;
    }

    @Override
    public EngineCapabilities capabilities() {
        return capabilities;
    }

    // ---- parameters ----

    @Override
    public void setParameters(Parameters p) {
        requireOpen();
        EngineChecks.parameters(config, p);
        flush();
        l.writeFloats(ws.params, p.flatten());
        grads.parametersChanged();
        s().invalidate();
    }

    @Override
    public Parameters parameters() {
        requireOpen();
        flush();
        return readback.parameters(ws.params);
    }

    @Override
    public Parameters gradient() {
        requireOpen();
        flush();
        return readback.parameters(ws.grad);
    }

    // ---- data ----

    @Override
    public DeviceData upload(Dataset data) {
        requireOpen();
        EngineChecks.upload(config, data);
        return batches.upload(data);
    }

    @Override
    public void selectBatch(DeviceData data, int[] order, int from, int size) {
        requireOpen();
        batches.select(s(), data, order, from, size, name);
    }

    @Override
    public int batchSize() {
        return s().batch;
    }

    // ---- phases (recorded; run when their results are needed) ----

    @Override
    public void forward() {
        requireBatch();
        sched.forward();
    }

    @Override
    public void inferFree(SolverConfig solver) {
        requireBatch();
        requireSolver(solver);
        sched.request(FREE, solver);
    }

    @Override
    public void inferClamped(SolverConfig solver) {
        requireBatch();
        requireSolver(solver);
        sched.request(CLAMPED, solver);
    }

    /**
     * Like the clamped phase, with {@code -beta}: from the free minimiser where this batch has one, else from the
     * forward pass; recorded like the other phases (on the step kernel, {@code fused_step} runs it in the same launch).
     *
     * @throws IllegalStateException for the hard clamp, or for {@code beta >= g = gamma^(L-1)}, where the output's
     *                               prox is not convex
     */
    @Override
    public void inferNegative(SolverConfig solver) {
        requireBatch();
        requireSolver(solver);
        double g = config.termWeight(config.net().layers() - 1);
        if (config.outputLoss().isHard() || !(config.outputLoss().weight() < g)) {
            throw new IllegalStateException(config.outputLoss().isHard()
                    ? "the hard clamp has no negatively nudged phase: use a soft clamp"
                    : "the negatively nudged phase needs beta < g = gamma^(L-1) = " + g + "; found beta "
                            + config.outputLoss().weight());
        }
        sched.request(NEGATIVE, solver);
    }

    private void requireSolver(SolverConfig solver) {
        if (!capabilities.solvers().contains(solver.solver())) {
            throw capabilities.unsupported("--solver " + solver.solver().id());
        }
    }

    /** Runs what was recorded: deferred steps, the phases, then the gradient and the update. */
    private void flush() {
        if (closed) {
            return;
        }
        replay.issueDeferred();
        sched.flush();
    }

    // ---- gradients and update ----

    @Override
    public void computeGradient(Method method) {
        requireBatch();
        sched.gradient(method);
    }

    /**
     * {@code theta_k -= rates[k] * G_k} per layer (or the step of the rule set by {@link #setOptimizer}: momentum,
     * Adam with bias correction of this engine's step count), on the device, with the gradient of the preceding
     * {@link #computeGradient} in the same launch; the rates and Adam's corrections go to a row of the device-side
     * rate table ({@link StepRates}) without the host waiting; a gradient holding a NaN or an infinity is not applied (decided
     * on the device, counted in the statistics). Invalidates the activations.
     */
    @Override
    public void applyUpdate(double[] rates) {
        requireOpen();
        EngineChecks.rates(config, rates);
        OptimizerConfig rule = grads.optimizer();
        if (rule.hasState()) {
            optimizerSteps++;
        }
        s().pendingRow = grads.stepRow(rates, rule.kind() == OptimizerConfig.Kind.ADAM ? optimizerSteps : 0);
        if (!replay.defer(s(), !counts.enabled() && usesStepKernel())) {
            sched.flushGradient();
        }
        counts.step();
        s().invalidate();
    }

    /**
     * Makes {@code grad_update} apply {@code optimizer}'s rule with zeroed moments in device memory and step count
     * 0; launches what waits first (a recording holds the rule, so it is freed).
     *
     * @return true: the engine applies every rule of {@link #capabilities(String)} itself
     */
    @Override
    public boolean setOptimizer(OptimizerConfig optimizer) {
        requireOpen();
        replay.launchDeferred();
        flush();
        replay.closeReplay();
        grads.setOptimizer(optimizer);
        optimizerSteps = 0;
        return true;
    }

    /** The moments read back from the device (one read per slot) and the step count. */
    @Override
    public OptimizerState optimizerState() {
        requireOpen();
        OptimizerConfig rule = grads.optimizer();
        if (!rule.hasState()) {
            throw new IllegalStateException("engine " + name + " applies plain SGD, which keeps no state");
        }
        replay.launchDeferred();
        flush();
        // Once per epoch (checkpoint), not per step: counted with the statistics' read-back by --profile.
        List<Parameters> slots = counts.countStatsSyncs(() -> {
            List<Parameters> read = new java.util.ArrayList<>();
            for (int i = 0; i < grads.slots(); i++) {
                read.add(readback.parameters(grads.moment(i)));
            }
            return read;
        });
        return new OptimizerState(rule.kind(), optimizerSteps, slots);
    }

    @Override
    public void restoreOptimizerState(OptimizerState state) {
        requireOpen();
        OptimizerConfig rule = grads.optimizer();
        if (!rule.hasState() || state.kind() != rule.kind()) {
            throw new IllegalArgumentException("engine " + name + " applies " + rule.kind().id() + "; the state is of "
                    + state.kind().id());
        }
        for (Parameters p : state.slots()) {
            EngineChecks.parameters(config, p);
        }
        replay.launchDeferred();
        flush();
        for (int i = 0; i < grads.slots(); i++) {
            l.writeFloats(grads.moment(i), state.slots().get(i).flatten());
        }
        optimizerSteps = state.steps();
    }

    // ---- metrics ----

    @Override
    public void accumulateMetrics(Phase prediction) {
        requireBatch();
        int p = prediction.ordinal();
        BatchState st = s();
        if (!st.valid[p]) {
            throw new IllegalStateException("no " + prediction + " activations for this batch to take metrics from");
        }
        flush();
        l.phase(Launcher.OTHER);
        stats.addMetrics(p, st.batch, st.valid[FREE], st.valid[CLAMPED]);
    }

    @Override
    public EpochStats drainStats() {
        requireOpen();
        replay.launchDeferred();
        flush();
        return counts.countStatsSyncs(stats::drain);
    }

    // ---- profile ----

    @Override
    public boolean enableProfiling() {
        requireOpen();
        replay.launchDeferred();
        flush();
        counts.enable();
        return true;
    }

    @Override
    public EngineProfile drainProfile() {
        if (!counts.enabled()) {
            return null;
        }
        flush();
        return counts.drain();
    }

    // ---- inspection ----

    @Override
    public float[] activations(Phase phase, int layer) {
        int p = requireValid(phase);
        if (layer < 0 || layer > config.net().layers()) {
            throw new IllegalArgumentException("layer " + layer + " is outside 0.." + config.net().layers());
        }
        flush();
        return readback.activations(p, layer, s().batch);
    }

    @Override
    public double[] energies(Phase phase) {
        int p = requireValid(phase);
        flush();
        return readback.energies(p, s().batch);
    }

    @Override
    public double kktResidual(Phase phase) {
        int p = requireValid(phase);
        flush();
        return readback.kktResidual(p, s().batch);
    }

    // ---- state checks and cleanup ----

    private int requireValid(Phase phase) {
        requireBatch();
        int p = phase.ordinal();
        if (!s().valid[p]) {
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
        if (s().batch == 0) {
            throw new IllegalStateException("no batch selected: call selectBatch() first");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            batches.engineClosed = true;
            try {
                try {
                    dev.finish(); // asynchronous copies read the staging memory freed below
                } catch (RuntimeException e) {
                    System.getLogger(GpuEngine.class.getName()).log(System.Logger.Level.WARNING, "finishing " + name + " failed", e);
                }
                replay.close();
                ws.close();
                grads.close();
                batches.close();
            } finally {
                dev.close();
            }
        }
    }
}
