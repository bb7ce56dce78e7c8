package liftnet.cpu;

import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.EngineCapabilities;
import liftnet.api.EngineChecks;
import liftnet.api.EpochStats;
import liftnet.api.NetConfig;
import liftnet.api.Phase;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.data.Dataset;
import liftnet.solve.SparseInputs;
import liftnet.solve.VectorKernels;

/**
 * What both CPU engines ({@link CpuEngine}, {@link CpuConvEngine}) share: the workers and their counters, the selected
 * batch with its labels, its activations of type {@code A} for the three phases and its per-row energies, the phase
 * checks ({@link BatchPhases}), and the {@link Engine} calls made only of those. A subclass brings its weights and
 * solver: how a phase is solved, how a row's energy and KKT residual are measured, how a gradient is made and applied.
 * Its constructor calls {@link #ensureCapacity} last, when its own fields are set.
 *
 * @param <A> the activations of a batch for one phase, in the layout of the subclass's solver
 */
abstract class CpuBatchEngine<A> implements Engine {

    protected final NetConfig config;
    protected final int layers;
    /** {@code n_k} for {@code k = 0..L}. */
    protected final int[] width;
    protected final Units units;
    protected final CpuWorkers workers;
    protected final WorkerStats stats;
    protected final BatchPhases phases = new BatchPhases();

    /** Rows the per-row arrays below hold. */
    private int capacity;
    /** Per row of the batch, its sample's label (set by {@link #forward()}). */
    protected int[] labels;
    protected A forward;
    protected A free;
    protected A clamped;
    /** Symmetric nudging's negatively nudged phase; {@code null} for the hard clamp. */
    protected A negative;
    /** Per row, the energy of the free and the clamped (and the negatively nudged) phase's solution. */
    protected double[] freeEnergy;
    protected double[] clampedEnergy;
    protected double[] negativeEnergy;

    protected Dataset data;
    /** The data set's inputs in sparse rows, or null for an engine that reads only the dense inputs. */
    protected SparseInputs sparse;
    /** The batch: rows {@code 0..size-1} are samples {@code order[from + r]}. */
    protected int[] order;
    protected int from;
    protected int size;

    /** @param threads number of threads, at least 1 (the calling thread is one of them) */
    protected CpuBatchEngine(NetConfig config, int threads) {
        this.config = config;
        this.layers = config.net().layers();
        this.width = config.net().widths();
        this.units = config.units();
        this.workers = new CpuWorkers(threads);
        this.stats = new WorkerStats(threads, layers);
    }

    /** What follows the thread count in {@link #name()}: how the engine computes. */
    protected abstract String detail();

    /** The subclass's data set in sparse rows, or null when it reads only the dense inputs. */
    protected abstract SparseInputs sparseRows(Dataset dataset);

    /** New activations of {@code capacity} rows. */
    protected abstract A newActivations(int capacity);

    /** Allocates the subclass's own per-row arrays for {@code capacity} rows. */
    protected abstract void allocateRows(int capacity);

    /**
     * Solves the phase for every row from {@code start}'s rows, into {@code act}, and records row {@code r}'s energy in
     * {@code energy[r]} and its sweeps and residual in {@link #stats}.
     *
     * @param phase  {@link Phase#FREE}, {@link Phase#CLAMPED} or {@link Phase#NEGATIVE} (minimises {@code E - beta l})
     * @param act    modified: the solution
     * @param start  the forward pass, or the free phase's solution as a warm start of the clamped one; not modified
     * @param energy modified: per row, the energy of the solution
     */
    protected abstract void solve(SolverConfig solverConfig, Phase phase, A act, A start, double[] energy);

    /**
     * {@code E(z; x)} of row {@code r} of {@code phase}'s activations (with {@code +beta l}, or {@code -beta l} in the
     * negative phase, where the row is soft-clamped).
     */
    protected abstract double energy(A act, int r, Phase phase);

    /** The KKT residual of row {@code r} of {@code phase}'s problem ({@code z_L} fixed by the hard clamp). */
    protected abstract double kktResidual(A act, int r, Phase phase);

    /** {@code z_k} of {@code act}, rows {@link #stride} apart; live. */
    protected abstract float[] z(A act, int k);

    /** Distance between two rows of layer {@code k} in the activations (its width, or the width padded). */
    protected abstract int stride(int k);

    /** Whether the last gradient is finite everywhere. */
    protected abstract boolean gradientFinite();

    /** {@code W_k -= rates[k] * G_k}, {@code b_k -= rates[k] * g_k}, with every weight-derived quantity. */
    protected abstract void step(double[] rates);

    @Override
    public final String name() {
        int threads = workers.threads();
        return "cpu (" + threads + (threads == 1 ? " thread, " : " threads, ") + detail() + ")";
    }

    @Override
    public final NetConfig config() {
        return config;
    }

    /** The CPU's capabilities ({@link CpuEngine#CAPABILITIES}), the same for both CPU engines. */
    @Override
    public final EngineCapabilities capabilities() {
        return CpuEngine.CAPABILITIES;
    }

    @Override
    public final DeviceData upload(Dataset dataset) {
        EngineChecks.upload(config, dataset);
        return new HostData(dataset, sparseRows(dataset), getClass());
    }

    @Override
    public final void selectBatch(DeviceData deviceData, int[] order, int from, int size) {
        HostData host = HostData.batch(deviceData, getClass(), order, from, size);
        ensureCapacity(size);
        this.data = host.dataset();
        this.sparse = host.sparse();
        this.order = order;
        this.from = from;
        this.size = size;
        phases.selected();
    }

    @Override
    public final int batchSize() {
        return size;
    }

    /** Chunks of {@link VectorKernels#BLOCK} rows that the batch splits into. */
    protected final int rowChunks() {
        return (size + VectorKernels.BLOCK - 1) / VectorKernels.BLOCK;
    }

    @Override
    public final void inferFree(SolverConfig solverConfig) {
        phases.requireForward();
        solve(solverConfig, Phase.FREE, free, forward, freeEnergy);
        phases.freeDone();
    }

    @Override
    public final void inferClamped(SolverConfig solverConfig) {
        phases.requireForward();
        solve(solverConfig, Phase.CLAMPED, clamped, phases.free() ? free : forward, clampedEnergy);
        phases.clampedDone();
    }

    /** Like the clamped phase, from the free phase's solution where there is one, else from the forward pass. */
    @Override
    public final void inferNegative(SolverConfig solverConfig) {
        if (!negativePosed()) {
            throw new IllegalStateException(config.outputLoss().isHard()
                    ? "the hard clamp has no negatively nudged phase: use a soft clamp"
                    : "the negatively nudged phase needs beta < g = gamma^(L-1) = " + config.termWeight(layers - 1)
                            + "; found beta " + config.outputLoss().weight());
        }
        phases.requireForward();
        solve(solverConfig, Phase.NEGATIVE, negative, phases.free() ? free : forward, negativeEnergy);
        phases.negativeDone();
    }

    /**
     * Whether the engine has a negatively nudged phase: a soft clamp with {@code beta < g = gamma^(L-1)}, below which
     * its output subproblem is convex ({@link liftnet.solve.OutputProx}); the joint bound is the caller's
     * ({@code liftnet.train.NudgeBound}).
     */
    protected final boolean negativePosed() {
        return !config.outputLoss().isHard() && config.outputLoss().weight() < config.termWeight(layers - 1);
    }

    /** Checks the rates, then steps the weights when the gradient is finite; counts the update either way. */
    @Override
    public final void applyUpdate(double[] rates) {
        EngineChecks.rates(config, rates);
        if (stats.update(gradientFinite())) {
            step(rates);
        }
        phases.invalidate();
    }

    /**
     * Counts the correct predictions (argmax of {@code prediction}'s {@code z_L}) and the linear units of every hidden
     * layer, per row, then adds the energies of the phases inferred.
     */
    @Override
    public final void accumulateMetrics(Phase prediction) {
        A act = activationsOf(prediction);
        int outputs = width[layers];
        workers.run(rowChunks(), (c, w) -> {
            int r0 = c * VectorKernels.BLOCK;
            int r1 = Math.min(size, r0 + VectorKernels.BLOCK);
            int sl = stride(layers);
            float[] out = z(act, layers);
            for (int r = r0; r < r1; r++) {
                stats.prediction(w, out, r * sl, outputs, labels[r]);
                for (int k = 1; k < layers; k++) {
                    stats.linearUnits(w, k, units, z(act, k), r * stride(k), width[k]);
                }
            }
        });
        stats.batch(size, freeEnergy, phases.free(), clampedEnergy, phases.clamped());
    }

    @Override
    public final EpochStats drainStats() {
        return stats.drain();
    }

    @Override
    public final double[] energies(Phase phase) {
        A act = activationsOf(phase);
        double[] e = new double[size];
        for (int r = 0; r < size; r++) {
            e[r] = energy(act, r, phase);
        }
        return e;
    }

    @Override
    public final double kktResidual(Phase phase) {
        A act = activationsOf(phase);
        double worst = 0;
        for (int r = 0; r < size; r++) {
            worst = Math.max(worst, kktResidual(act, r, phase));
        }
        return worst;
    }

    @Override
    public final void close() {
        workers.close();
    }

    /** The activations of {@code phase}, after checking that it was computed for this batch. */
    protected final A activationsOf(Phase phase) {
        return phases.select(phase, forward, free, clamped, negative);
    }

    /** Makes the per-row arrays hold at least {@code n} rows (at least doubling them when they grow). */
    protected final void ensureCapacity(int n) {
        if (n <= capacity) {
            return;
        }
        capacity = Math.max(n, capacity * 2);
        labels = new int[capacity];
        forward = newActivations(capacity);
        free = newActivations(capacity);
        clamped = newActivations(capacity);
        freeEnergy = new double[capacity];
        clampedEnergy = new double[capacity];
        if (negativePosed()) {
            negative = newActivations(capacity);
            negativeEnergy = new double[capacity];
        }
        allocateRows(capacity);
    }
}
