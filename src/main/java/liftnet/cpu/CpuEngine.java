package liftnet.cpu;

import java.util.Arrays;
import liftnet.api.EngineCapabilities;
import liftnet.api.EngineChecks;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.SolverConfig;
import liftnet.data.Dataset;
import liftnet.solve.ActivationSolver;
import liftnet.solve.Activations;
import liftnet.solve.PaddedWeights;
import liftnet.solve.Scratch;
import liftnet.solve.SparseInputs;
import liftnet.solve.VectorKernels;

/**
 * The pure-Java engine. Long-lived threads share a batch's samples for the forward pass and inference (each
 * thread solves up to {@link VectorKernels#BLOCK} rows at a time, taking a new row whenever one stops), and
 * the rows of each {@code W_k^T} for gradients and updates, so no thread-local gradients need summing and the
 * results do not depend on the number of threads. The input stays in the data set's sparse rows
 * ({@link SparseInputs}): the first layer's products and gradient touch only the non-zero pixels.
 */
public final class CpuEngine extends CpuBatchEngine<Activations> {

    /**
     * Everything: every update rule (stateful ones stepped by the orchestrator on the host, which is this engine's
     * memory: {@link #setOptimizer} returns false for them), both soft clamps, both solvers, convolutional layers.
     */
    public static final EngineCapabilities CAPABILITIES = EngineCapabilities.all("cpu");

    private final PaddedWeights weights;
    private final ActivationSolver solver;
    /** Solves the negatively nudged phase, {@code E - beta l}; {@code null} without one ({@link #negativePosed()}). */
    private final ActivationSolver negativeSolver;
    private final Scratch[] scratch;
    private final float[][] gradT;
    private final float[][] gradB;
    private final GradientPlan plan;
    private final boolean[] chunkFinite;
    private final float[] termWeight;

    /** Per row, its sample (for the sparse input rows). */
    private int[] samples;
    private float[][] lambdaClamped;
    private float[][] lambdaFree;
    private float[][] lambdaNegative;

    /**
     * @param threads number of threads, at least 1 (the calling thread is one of them)
     */
    public CpuEngine(NetConfig config, int threads) {
        super(config, threads);
        this.weights = new PaddedWeights(config.net());
        this.solver = new ActivationSolver(config, weights);
        this.negativeSolver = !negativePosed() ? null
                : new ActivationSolver(config.withOutputLoss(config.outputLoss().negated()), weights);
        this.scratch = new Scratch[threads];
        for (int t = 0; t < threads; t++) {
            scratch[t] = new Scratch(weights);
        }
        gradT = new float[layers][];
        gradB = new float[layers][];
        for (int k = 0; k < layers; k++) {
            gradT[k] = new float[weights.transposed(k).length];
            gradB[k] = new float[weights.bias(k).length];
        }
        plan = new GradientPlan(config.net());
        chunkFinite = new boolean[plan.chunks()];
        termWeight = new float[layers];
        for (int k = 0; k < layers; k++) {
            termWeight[k] = (float) config.termWeight(k);
        }
        ensureCapacity(64);
    }

    /** An engine on every available processor. */
    public CpuEngine(NetConfig config) {
        this(config, Runtime.getRuntime().availableProcessors());
    }

    @Override
    protected String detail() {
        return VectorKernelsInfo.describe();
    }

    @Override
    public void setParameters(Parameters p) {
        EngineChecks.parameters(config, p);
        weights.set(p);
        phases.invalidate();
    }

    @Override
    public Parameters parameters() {
        return weights.get();
    }

    /** The first layer's products and gradient read the inputs in sparse rows. */
    @Override
    protected SparseInputs sparseRows(Dataset dataset) {
        return SparseInputs.of(dataset.inputs(), dataset.count(), dataset.width());
    }

    @Override
    public void forward() {
        phases.requireBatch();
        workers.run(rowChunks(), (c, w) -> {
            int r0 = c * VectorKernels.BLOCK;
            int r1 = Math.min(size, r0 + VectorKernels.BLOCK);
            for (int r = r0; r < r1; r++) {
                int sample = order[from + r];
                labels[r] = data.labels()[sample];
                samples[r] = sample;
            }
            solver.forward(forward, r0, r1 - r0, sparse, samples);
        });
        phases.forwardDone();
    }

    /**
     * Solves the phase for every row and leaves its residuals {@code lambda_k = z_k - a_k} for the gradient. The
     * threads claim rows one at a time, their home range's first (a row's sweeps vary with the tolerance stop;
     * rows that alternated between threads shared cache lines), set each up from the forward pass or the free
     * solution, and record it when the solver hands it back.
     */
    @Override
    protected void solve(SolverConfig solverConfig, Phase phase, Activations act, Activations start,
            double[] energy) {
        boolean isClamped = phase != Phase.FREE;
        ActivationSolver solver = solverOf(phase);
        float[][] lambda = phase == Phase.FREE ? lambdaFree : phase == Phase.CLAMPED ? lambdaClamped : lambdaNegative;
        HomeRanges rows = new HomeRanges(size, workers.threads());
        workers.run(workers.threads(), (c, w) -> solver.solve(act, new ActivationSolver.Rows() {
            @Override
            public int next() {
                int r = rows.claim(w);
                if (r < 0) {
                    return -1;
                }
                act.copyRows(start, r, r + 1, weights);
                if (isClamped) {
                    solver.clampOutput(act, r, labels[r], scratch[w]);
                }
                return r;
            }

            @Override
            public void done(int row, int sweeps, double e, double residualNorm) {
                stats.inference(w, sweeps, residualNorm);
                energy[row] = e;
                fillResiduals(act, lambda, row, row + 1);
            }
        }, isClamped, solverConfig, scratch[w]));
    }

    /** The solver of {@code phase}'s problem: {@code E - beta l} for {@link Phase#NEGATIVE}, else {@code E (+ beta l)}. */
    private ActivationSolver solverOf(Phase phase) {
        return phase == Phase.NEGATIVE ? negativeSolver : solver;
    }

    /** {@code lambda[k] = z_k - a_k} for {@code k = 1..L}, rows {@code r0..r1}. */
    private void fillResiduals(Activations act, float[][] lambda, int r0, int r1) {
        for (int k = 1; k <= layers; k++) {
            int s = weights.stride(k);
            float[] z = act.z(k);
            float[] a = act.a(k);
            float[] l = lambda[k];
            for (int i = r0 * s; i < r1 * s; i++) {
                l[i] = z[i] - a[i];
            }
        }
    }

    @Override
    public void computeGradient(Method method) {
        phases.requireGradient(method);
        switch (method) {
            case CONTRASTIVE -> {
                if (phases.negative()) {
                    accumulate(clamped, lambdaClamped, negative, lambdaNegative, true, 0.5f);
                } else {
                    accumulate(clamped, lambdaClamped, free, lambdaFree, true, 1f);
                }
            }
            case LIFTED -> accumulate(clamped, lambdaClamped, null, null, true, 1f);
            case BACKPROP, LINEAR -> {
                backpropDeltas();
                accumulate(forward, lambdaClamped, null, null, false, 1f);
            }
        }
    }

    /**
     * Backprop deltas into {@code lambdaClamped}, with the sign of energy residuals ({@code lambda = -delta}):
     * {@code delta_L = z_L - y}, {@code delta_k = (W_k^T delta_{k+1}) * [a_k strictly inside C]}. Overwrites the
     * clamped phase's residuals, so the clamped phase must be inferred again before a lifted gradient.
     */
    private void backpropDeltas() {
        phases.clampedLost();
        float[][] delta = lambdaClamped;
        int outputs = config.net().outputs();
        workers.run(rowChunks(), (c, w) -> {
            int r0 = c * VectorKernels.BLOCK;
            int r1 = Math.min(size, r0 + VectorKernels.BLOCK);
            int sl = weights.stride(layers);
            float[] out = forward.z(layers);
            for (int r = r0; r < r1; r++) {
                float[] top = delta[layers];
                for (int j = 0; j < sl; j++) {
                    float y = j == labels[r] ? 1f : 0f;
                    top[r * sl + j] = j < outputs ? y - out[r * sl + j] : 0f;
                }
                for (int k = layers - 1; k >= 1; k--) {
                    int sk = weights.stride(k);
                    int sn = weights.stride(k + 1);
                    VectorKernels.rowTimesMatrix(delta[k + 1], r * sn, weights.width(k + 1), weights.rows(k), sk, null,
                            delta[k], r * sk);
                    float[] a = forward.a(k);
                    for (int j = 0; j < sk; j++) {
                        if (!units.strictlyInside(a[r * sk + j])) {
                            delta[k][r * sk + j] = 0f;
                        }
                    }
                }
            }
        });
    }

    /**
     * {@code G_k^T = -scale_k / B * (sum_r zA_k[r] lambdaA_{k+1}[r]^T - zB_k[r] lambdaB_{k+1}[r]^T)}, with
     * {@code scale_k = gamma^k} for energy gradients and 1 for backprop, times {@code factor} (1/2 for symmetric
     * nudging); biases likewise. Each chunk owns rows of one {@code G_k^T} (or one bias), so no partial sums are
     * combined and the result does not depend on which thread ran which chunk.
     */
    private void accumulate(Activations a, float[][] la, Activations b, float[][] lb, boolean energyScaled,
            float factor) {
        float inv = factor / size;
        workers.run(plan.chunks(), (c, w) -> {
            int k = plan.layer(c);
            int cols = weights.stride(k + 1);
            float scale = (energyScaled ? termWeight[k] : 1f) * inv;
            if (plan.isBias(c)) {
                float[] gb = gradB[k];
                Arrays.fill(gb, 0f);
                for (int r = 0; r < size; r++) {
                    for (int j = 0; j < cols; j++) {
                        gb[j] -= scale * la[k + 1][r * cols + j];
                        if (b != null) {
                            gb[j] += scale * lb[k + 1][r * cols + j];
                        }
                    }
                }
                chunkFinite[c] = VectorKernels.allFinite(gb, 0, cols);
                return;
            }
            int p0 = plan.from(c);
            int p1 = plan.to(c);
            float[] g = gradT[k];
            Arrays.fill(g, p0 * cols, p1 * cols, 0f);
            if (k == 0) {
                // Both phases share the input: one pass over the residual difference.
                VectorKernels.accumulateSparseInput(sparse, samples, p0 / GradientPlan.ROWS, la[1],
                        b == null ? null : lb[1], -scale, size, cols, g);
            } else {
                VectorKernels.accumulateOuter(a.z(k), la[k + 1], -scale, b == null ? null : b.z(k),
                        b == null ? null : lb[k + 1], scale, weights.stride(k), size, cols, g, p0, p1);
            }
            chunkFinite[c] = VectorKernels.allFinite(g, p0 * cols, (p1 - p0) * cols);
        });
    }

    @Override
    protected void step(double[] rates) {
        workers.run(plan.chunks(), (c, w) -> {
            int k = plan.layer(c);
            float eta = (float) rates[k];
            int cols = weights.stride(k + 1);
            if (plan.isBias(c)) {
                VectorKernels.axpy(-eta, gradB[k], 0, weights.bias(k), 0, cols);
            } else {
                int p0 = plan.from(c);
                int p1 = plan.to(c);
                VectorKernels.axpy(-eta, gradT[k], p0 * cols, weights.transposed(k), p0 * cols, (p1 - p0) * cols);
                weights.refreshDerivedRows(k, p0, p1);
            }
        });
    }

    @Override
    protected boolean gradientFinite() {
        for (boolean finite : chunkFinite) {
            if (!finite) {
                return false;
            }
        }
        return true;
    }

    @Override
    public float[] activations(Phase phase, int layer) {
        Activations act = activationsOf(phase);
        int n = weights.width(layer);
        float[] out = new float[size * n];
        if (layer == 0) {
            for (int r = 0; r < size; r++) {
                System.arraycopy(data.inputs(), samples[r] * n, out, r * n, n);
            }
            return out;
        }
        int s = weights.stride(layer);
        for (int r = 0; r < size; r++) {
            System.arraycopy(act.z(layer), r * s, out, r * n, n);
        }
        return out;
    }

    @Override
    protected double energy(Activations act, int r, Phase phase) {
        return solverOf(phase).energy(act, r);
    }

    @Override
    protected double kktResidual(Activations act, int r, Phase phase) {
        return solverOf(phase).kktResidual(act, r, phase != Phase.FREE && phase != Phase.FORWARD, scratch[0]);
    }

    @Override
    public Parameters gradient() {
        Parameters g = Parameters.zeros(config.net());
        for (int k = 0; k < layers; k++) {
            int rows = weights.width(k + 1);
            int cols = weights.width(k);
            int s = weights.stride(k + 1);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    g.weight(k)[i * cols + j] = gradT[k][j * s + i];
                }
            }
            System.arraycopy(gradB[k], 0, g.bias(k), 0, rows);
        }
        return g;
    }

    @Override
    protected float[] z(Activations act, int k) {
        return act.z(k);
    }

    @Override
    protected int stride(int k) {
        return weights.stride(k);
    }

    @Override
    protected Activations newActivations(int capacity) {
        return new Activations(weights, capacity);
    }

    @Override
    protected void allocateRows(int capacity) {
        samples = new int[capacity];
        lambdaClamped = new float[layers + 1][];
        lambdaFree = new float[layers + 1][];
        for (int k = 1; k <= layers; k++) {
            lambdaClamped[k] = new float[capacity * weights.stride(k)];
            lambdaFree[k] = new float[capacity * weights.stride(k)];
        }
        if (negativeSolver != null) {
            lambdaNegative = new float[layers + 1][];
            for (int k = 1; k <= layers; k++) {
                lambdaNegative[k] = new float[capacity * weights.stride(k)];
            }
        }
    }
}
