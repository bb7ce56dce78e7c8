package liftnet.cpu;

import jdk.incubator.vector.FloatVector;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.EngineCapabilities;
import liftnet.api.EngineChecks;
import liftnet.api.EpochStats;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.data.Dataset;
import liftnet.solve.ActivationSolver;
import liftnet.solve.Activations;
import liftnet.solve.DenseOp;
import liftnet.solve.GradientTerms;
import liftnet.solve.InputRows;
import liftnet.solve.LayerOp;
import liftnet.solve.Scratch;
import liftnet.solve.SparseInputs;
import liftnet.solve.VectorKernels;

/**
 * The pure-Java engine, for dense and convolutional nets alike: every weight layer is a {@link LayerOp}, one
 * {@link ActivationSolver} solves the phases. Long-lived threads share a batch's samples for the forward pass and
 * inference (each thread solves up to {@link VectorKernels#BLOCK} rows at a time, taking a new row whenever one
 * stops), and the gradient rows of each layer ({@link GradientPlan}) for gradients and updates, so no thread-local
 * gradients need summing and the results do not depend on the number of threads. A dense first layer reads the
 * inputs in the data set's sparse rows ({@link SparseInputs}): its products and gradient touch only the non-zero
 * pixels.
 */
public final class CpuEngine implements Engine {

    /**
     * Everything: every update rule (stateful ones stepped by the orchestrator on the host, which is this engine's
     * memory: {@link #setOptimizer} returns false for them), both soft clamps, both solvers, convolutional layers.
     */
    public static final EngineCapabilities CAPABILITIES = EngineCapabilities.all("cpu");

    private final NetConfig config;
    private final int layers;
    private final Units units;
    private final CpuWorkers workers;
    private final WorkerStats stats;
    private final BatchPhases phases = new BatchPhases();
    private final LayerOp[] ops;
    private final ActivationSolver solver;
    /** Solves the negatively nudged phase, {@code E - beta l}; {@code null} without one ({@link #negativePosed()}). */
    private final ActivationSolver negativeSolver;
    private final Scratch[] scratch;
    private final GradientPlan plan;
    private final boolean[] chunkFinite;

    /** Rows the per-row arrays below hold. */
    private int capacity;
    /** Per row of the batch, its sample's label and its sample (set by {@link #forward()}). */
    private int[] labels;
    private int[] samples;
    private Activations forward;
    private Solved free;
    /** The clamped phase; its residuals hold the backprop deltas after a backprop gradient. */
    private Solved clamped;
    /** Symmetric nudging's negatively nudged phase; {@code null} without one. */
    private Solved negative;
    /** The symmetric estimate's {@code zB - zA} and {@code lambdaA - lambdaB} ({@link #symmetricGradient}). */
    private Solved difference;

    private Dataset data;
    /** The data set's inputs in sparse rows, or null when the first layer reads the dense inputs. */
    private SparseInputs sparse;
    /** The batch: rows {@code 0..size-1} are samples {@code order[from + r]}. */
    private int[] order;
    private int from;
    private int size;

    /**
     * @param threads number of threads, at least 1 (the calling thread is one of them)
     */
    public CpuEngine(NetConfig config, int threads) {
        this.config = config;
        this.layers = config.net().layers();
        this.units = config.units();
        this.workers = new CpuWorkers(threads);
        this.stats = new WorkerStats(threads, layers);
        ops = new LayerOp[layers];
        for (int k = 0; k < layers; k++) {
            ops[k] = LayerOp.of(config.net(), k);
        }
        solver = new ActivationSolver(config, ops);
        negativeSolver = !negativePosed() ? null
                : new ActivationSolver(config.withOutputLoss(config.outputLoss().negated()), ops);
        scratch = new Scratch[threads];
        for (int t = 0; t < threads; t++) {
            scratch[t] = solver.newScratch();
        }
        plan = new GradientPlan(ops);
        chunkFinite = new boolean[plan.chunks()];
        ensureCapacity(64);
    }

    /**
     * A solved phase of the batch: its activations, each row's energy, and the residuals
     * {@code lambda_k = z_k - a_k}, {@code k = 1..L}, for the gradient.
     */
    private record Solved(Activations act, double[] energy, float[][] lambda) {

        /** Rows for {@code capacity} samples in {@code solver}'s layout. */
        Solved(ActivationSolver solver, int layers, int capacity) {
            this(solver.newActivations(capacity), new double[capacity], new float[layers + 1][]);
            for (int k = 1; k <= layers; k++) {
                lambda[k] = new float[capacity * solver.stride(k)];
            }
        }
    }

    /** An engine on every available processor. */
    public CpuEngine(NetConfig config) {
        this(config, Runtime.getRuntime().availableProcessors());
    }

    @Override
    public String name() {
        int threads = workers.threads();
        return "cpu (" + threads + (threads == 1 ? " thread, " : " threads, ")
                + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit vectors)";
    }

    @Override
    public NetConfig config() {
        return config;
    }

    @Override
    public EngineCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public void setParameters(Parameters p) {
        EngineChecks.parameters(config, p);
        for (int k = 0; k < layers; k++) {
            ops[k].set(p.weight(k), p.bias(k));
        }
        phases.invalidate();
    }

    @Override
    public Parameters parameters() {
        Parameters p = Parameters.zeros(config.net());
        for (int k = 0; k < layers; k++) {
            ops[k].get(p.weight(k), p.bias(k));
        }
        return p;
    }

    @Override
    public Parameters gradient() {
        Parameters g = Parameters.zeros(config.net());
        for (int k = 0; k < layers; k++) {
            ops[k].gradient(g.weight(k), g.bias(k));
        }
        return g;
    }

    /** A dense first layer's products and gradient read the inputs in sparse rows. */
    @Override
    public DeviceData upload(Dataset dataset) {
        EngineChecks.upload(config, dataset);
        boolean sparseRows = config.net().conv(0) == null;
        return new HostData(dataset, sparseRows ? SparseInputs.of(dataset.inputs(), dataset.count(), dataset.width())
                : null, getClass());
    }

    @Override
    public void selectBatch(DeviceData deviceData, int[] order, int from, int size) {
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
    public int batchSize() {
        return size;
    }

    private InputRows inputs() {
        return new InputRows(data.inputs(), data.width(), sparse, samples);
    }

    /** Chunks of {@link VectorKernels#BLOCK} rows that the batch splits into. */
    private int rowChunks() {
        return (size + VectorKernels.BLOCK - 1) / VectorKernels.BLOCK;
    }

    @Override
    public void forward() {
        phases.requireBatch();
        InputRows in = inputs();
        workers.run(rowChunks(), (c, w) -> {
            int r0 = c * VectorKernels.BLOCK;
            int r1 = Math.min(size, r0 + VectorKernels.BLOCK);
            for (int r = r0; r < r1; r++) {
                int sample = order[from + r];
                labels[r] = data.labels()[sample];
                samples[r] = sample;
            }
            solver.forward(forward, r0, r1 - r0, in, scratch[w]);
        });
        phases.done(Phase.FORWARD);
    }

    @Override
    public void inferFree(SolverConfig solverConfig) {
        infer(solverConfig, Phase.FREE, free, forward);
    }

    @Override
    public void inferClamped(SolverConfig solverConfig) {
        infer(solverConfig, Phase.CLAMPED, clamped, phases.has(Phase.FREE) ? free.act() : forward);
    }

    /** Like the clamped phase, from the free phase's solution where there is one, else from the forward pass. */
    @Override
    public void inferNegative(SolverConfig solverConfig) {
        if (!negativePosed()) {
            throw new IllegalStateException(config.outputLoss().isHard()
                    ? "the hard clamp has no negatively nudged phase: use a soft clamp"
                    : "the negatively nudged phase needs beta < g = gamma^(L-1) = " + config.termWeight(layers - 1)
                            + "; found beta " + config.outputLoss().weight());
        }
        infer(solverConfig, Phase.NEGATIVE, negative, phases.has(Phase.FREE) ? free.act() : forward);
    }

    /**
     * Whether the engine has a negatively nudged phase: a soft clamp with {@code beta < g = gamma^(L-1)}, below which
     * its output subproblem is convex ({@link liftnet.solve.OutputProx}); the joint bound is the caller's
     * ({@code liftnet.train.NudgeBound}).
     */
    private boolean negativePosed() {
        return !config.outputLoss().isHard() && config.outputLoss().weight() < config.termWeight(layers - 1);
    }

    /** The solver of {@code phase}'s problem: {@code E - beta l} for {@link Phase#NEGATIVE}, else {@code E (+ beta l)}. */
    private ActivationSolver solverOf(Phase phase) {
        return phase == Phase.NEGATIVE ? negativeSolver : solver;
    }

    /**
     * Solves {@code phase} ({@link Phase#NEGATIVE} minimises {@code E - beta l}) for every row from {@code start}'s
     * rows into {@code into}, with each row's energy and residuals. The threads claim rows one at a time, their home
     * range's first (a row's sweeps vary with the tolerance stop; rows that alternated between threads shared cache
     * lines), set each up, and record it when the solver hands it back.
     */
    private void infer(SolverConfig solverConfig, Phase phase, Solved into, Activations start) {
        phases.requireForward();
        Activations act = into.act();
        boolean isClamped = phase != Phase.FREE;
        ActivationSolver solver = solverOf(phase);
        HomeRanges rows = new HomeRanges(size, workers.threads());
        workers.run(workers.threads(), (c, w) -> solver.solve(act, new ActivationSolver.Rows() {
            @Override
            public int next() {
                int r = rows.claim(w);
                if (r < 0) {
                    return -1;
                }
                act.copyRows(start, r, r + 1);
                if (isClamped) {
                    solver.clampOutput(act, r, labels[r], scratch[w]);
                }
                return r;
            }

            @Override
            public void done(int row, int sweeps, double e, double residualNorm) {
                stats.inference(w, sweeps, residualNorm);
                into.energy()[row] = e;
                for (int k = 1; k <= layers; k++) {
                    solver.residual(act, k, row, into.lambda()[k], row * solver.stride(k));
                }
            }
        }, isClamped, solverConfig, scratch[w]));
        phases.done(phase);
    }

    @Override
    public void computeGradient(Method method) {
        phases.requireGradient(method);
        switch (method) {
            case CONTRASTIVE -> {
                if (phases.has(Phase.NEGATIVE)) {
                    symmetricGradient();
                } else {
                    accumulate(clamped.act(), clamped.lambda(), free.act(), free.lambda(), true, 1f);
                }
            }
            case LIFTED -> accumulate(clamped.act(), clamped.lambda(), null, null, true, 1f);
            case BACKPROP, LINEAR -> {
                backpropDeltas();
                accumulate(forward, clamped.lambda(), null, null, false, 1f);
            }
        }
    }

    /**
     * Backprop deltas into the clamped phase's residuals, with the sign of energy residuals ({@code lambda = -delta}):
     * {@code delta_L = z_L - y}, {@code delta_k = (W_k^T delta_{k+1}) * [a_k strictly inside C]}. Overwrites the
     * clamped phase's residuals, so the clamped phase must be inferred again before a lifted gradient.
     */
    private void backpropDeltas() {
        phases.clampedLost();
        float[][] delta = clamped.lambda();
        int outputs = config.net().outputs();
        workers.run(rowChunks(), (c, w) -> {
            int r0 = c * VectorKernels.BLOCK;
            int r1 = Math.min(size, r0 + VectorKernels.BLOCK);
            int sl = solver.stride(layers);
            float[] out = forward.z(layers);
            for (int r = r0; r < r1; r++) {
                float[] top = delta[layers];
                for (int j = 0; j < sl; j++) {
                    float y = j == labels[r] ? 1f : 0f;
                    top[r * sl + j] = j < outputs ? y - out[r * sl + j] : 0f;
                }
            }
            for (int k = layers - 1; k >= 1; k--) {
                int sk = solver.stride(k);
                int sn = solver.stride(k + 1);
                // dense: one-row products that skip zeros (pinned by the dense fingerprints); others: one block
                int step = ops[k] instanceof DenseOp ? 1 : r1 - r0;
                for (int r = r0; r < r1; r += step) {
                    ops[k].applyTransposed(delta[k + 1], r * sn, sn, step, delta[k], r * sk, sk, scratch[w].work());
                }
                VectorKernels.zeroOutside(delta[k], forward.a(k), r0 * sk, (r1 - r0) * sk, units.lower(), units.upper());
            }
        });
    }

    /**
     * {@code G_k = -scale_k / B * sum_r (lambdaA_{k+1}[r] zA_k[r]^T - lambdaB_{k+1}[r] zB_k[r]^T)}, with
     * {@code scale_k = gamma^k} for energy gradients and 1 for backprop, times {@code factor} (1/2 for symmetric
     * nudging); biases likewise. Each chunk owns gradient rows of one layer (or its bias), so no partial sums are
     * combined and the result does not depend on which thread ran which chunk.
     */
    private void accumulate(Activations a, float[][] la, Activations b, float[][] lb, boolean energyScaled,
            float factor) {
        GradientTerms[] terms = terms(a, la, b, lb, energyScaled, factor);
        accumulate(terms, terms);
    }

    private GradientTerms[] terms(Activations a, float[][] la, Activations b, float[][] lb, boolean energyScaled,
            float factor) {
        float inv = factor / size;
        InputRows in = inputs();
        GradientTerms[] terms = new GradientTerms[layers];
        for (int k = 0; k < layers; k++) {
            float scale = (energyScaled ? (float) config.termWeight(k) : 1f) * inv;
            terms[k] = new GradientTerms(k == 0 ? null : a.z(k), la[k + 1], k == 0 || b == null ? null : b.z(k),
                    b == null ? null : lb[k + 1], scale, size, solver.stride(k), solver.stride(k + 1), in);
        }
        return terms;
    }

    private void accumulate(GradientTerms[] weights, GradientTerms[] biases) {
        workers.run(plan.chunks(), (c, w) -> {
            int k = plan.layer(c);
            chunkFinite[c] = plan.isBias(c) ? ops[k].accumulateBias(biases[k])
                    : ops[k].accumulateGradient(plan.from(c), plan.to(c), weights[k], scratch[w].work());
        });
    }

    /**
     * The symmetric estimate {@code G_k = -gamma^k / (2B) sum_r (lambdaA zA^T - lambdaB zB^T)} (A the positively, B the
     * negatively nudged phase) from the phases' difference {@code dz = zB - zA}: with {@code dl_{k+1} = lambdaA -
     * lambdaB = W_k dz_k - dz_{k+1}} ({@code dz_0 = 0}) the terms are {@code dl zA^T - lambdaB dz^T}, and no product
     * rounds relative to {@code W_k z_k}, as the residuals' own products do (docs/nudging.md).
     */
    private void symmetricGradient() {
        Activations a = clamped.act();
        Activations dz = difference.act();
        float[][] dl = difference.lambda();
        workers.run(rowChunks(), (c, w) -> {
            int r0 = c * VectorKernels.BLOCK;
            int rows = Math.min(size, r0 + VectorKernels.BLOCK) - r0;
            for (int k = 0; k < layers; k++) {
                int s = solver.stride(k + 1);
                if (k == 0) {
                    java.util.Arrays.fill(dl[1], r0 * s, (r0 + rows) * s, 0f);
                } else {
                    ops[k].apply(dz.z(k), r0 * solver.stride(k), solver.stride(k), rows, dl[k + 1], r0 * s, s, false,
                            scratch[w].work());
                }
                for (int i = r0 * s; i < (r0 + rows) * s; i++) {
                    dz.z(k + 1)[i] = negative.act().z(k + 1)[i] - a.z(k + 1)[i];
                    dl[k + 1][i] -= dz.z(k + 1)[i];
                }
            }
        });
        GradientTerms[] alone = terms(a, dl, null, null, true, 0.5f); // -s sum dl zA^T: W_0 (dz_0 = 0) and the biases
        GradientTerms[] weights = terms(a, dl, dz, negative.lambda(), true, 0.5f);
        weights[0] = alone[0];
        accumulate(weights, alone);
    }

    /** Checks the rates, then steps the weights when the gradient is finite; counts the update either way. */
    @Override
    public void applyUpdate(double[] rates) {
        EngineChecks.rates(config, rates);
        boolean finite = true;
        for (boolean f : chunkFinite) {
            finite &= f;
        }
        if (stats.update(finite)) {
            workers.run(plan.chunks(), (c, w) -> {
                int k = plan.layer(c);
                float eta = (float) rates[k];
                if (plan.isBias(c)) {
                    ops[k].stepBias(eta);
                } else {
                    ops[k].step(plan.from(c), plan.to(c), eta);
                }
            });
            for (LayerOp op : ops) {
                op.stepped();
            }
        }
        phases.invalidate();
    }

    /**
     * Counts the correct predictions (argmax of {@code prediction}'s {@code z_L}) and the linear units of every hidden
     * layer, per row, then adds the energies of the phases inferred.
     */
    @Override
    public void accumulateMetrics(Phase prediction) {
        Activations act = activationsOf(prediction);
        int outputs = config.net().outputs();
        workers.run(rowChunks(), (c, w) -> {
            int r0 = c * VectorKernels.BLOCK;
            int r1 = Math.min(size, r0 + VectorKernels.BLOCK);
            int sl = solver.stride(layers);
            float[] out = act.z(layers);
            for (int r = r0; r < r1; r++) {
                stats.prediction(w, out, r * sl, outputs, labels[r]);
                for (int k = 1; k < layers; k++) {
                    stats.linearUnits(w, k, units, act.z(k), r * solver.stride(k), config.net().width(k));
                }
            }
        });
        stats.batch(size, free.energy(), phases.has(Phase.FREE), clamped.energy(), phases.has(Phase.CLAMPED));
    }

    @Override
    public EpochStats drainStats() {
        return stats.drain();
    }

    @Override
    public double[] energies(Phase phase) {
        Activations act = activationsOf(phase);
        double[] e = new double[size];
        for (int r = 0; r < size; r++) {
            e[r] = solverOf(phase).energy(act, r);
        }
        return e;
    }

    @Override
    public double kktResidual(Phase phase) {
        Activations act = activationsOf(phase);
        double worst = 0;
        for (int r = 0; r < size; r++) {
            worst = Math.max(worst, solverOf(phase).kktResidual(act, r, phase != Phase.FREE && phase != Phase.FORWARD,
                    scratch[0]));
        }
        return worst;
    }

    @Override
    public float[] activations(Phase phase, int layer) {
        Activations act = activationsOf(phase);
        int n = config.net().width(layer);
        float[] out = new float[size * n];
        float[] from = layer == 0 ? data.inputs() : act.z(layer);
        for (int r = 0; r < size; r++) {
            System.arraycopy(from, layer == 0 ? samples[r] * n : r * solver.stride(layer), out, r * n, n);
        }
        return out;
    }

    @Override
    public void close() {
        workers.close();
    }

    /** The activations of {@code phase}, after checking that it was computed for this batch. */
    private Activations activationsOf(Phase phase) {
        return phases.select(phase, forward, free.act(), clamped.act(), negative == null ? null : negative.act());
    }

    /** Makes the per-row arrays hold at least {@code n} rows (at least doubling them when they grow). */
    private void ensureCapacity(int n) {
        if (n <= capacity) {
            return;
        }
        capacity = Math.max(n, capacity * 2);
        labels = new int[capacity];
        samples = new int[capacity];
        forward = solver.newActivations(capacity);
        free = new Solved(solver, layers, capacity);
        clamped = new Solved(solver, layers, capacity);
        negative = negativeSolver == null ? null : new Solved(solver, layers, capacity);
        difference = negativeSolver == null ? null : new Solved(solver, layers, capacity);
    }
}
