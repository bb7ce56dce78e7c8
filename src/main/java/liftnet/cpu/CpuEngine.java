package liftnet.cpu;

import java.util.Arrays;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
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
import liftnet.solve.PaddedWeights;
import liftnet.solve.Scratch;
import liftnet.solve.VectorKernels;

/**
 * The pure-Java engine: samples of a batch are split between long-lived threads for inference; gradients
 * are split by rows of {@code W_k^T}, so no thread-local gradients need summing.
 */
public final class CpuEngine implements Engine {

    private final NetConfig config;
    private final int layers;
    private final PaddedWeights weights;
    private final ActivationSolver solver;
    private final CpuWorkers workers;
    private final Scratch[] scratch;
    private final float[][] gradT;
    private final float[][] gradB;
    private final boolean[] threadGradientFinite;
    private final float[] termWeight;
    private final Units units;

    private int capacity;
    private float[] input;
    private int[] labels;
    private Activations forward;
    private Activations free;
    private Activations clamped;
    private float[][] lambdaA;
    private float[][] lambdaB;
    private double[] freeEnergy;
    private double[] clampedEnergy;

    private Dataset data;
    private int[] order;
    private int from;
    private int size;
    private boolean forwardDone;
    private boolean freeDone;
    private boolean clampedDone;

    private final long[] statSweeps;
    private final long[] statInferences;
    private final double[] statMaxResidual;
    private final long[] statCorrect;
    private final long[][] statLinear;
    private final double[] statFreeEnergy;
    private final double[] statClampedEnergy;
    private long statSamples;
    private long statUpdates;
    private long statFirstNonFinite = -1;

    /**
     * @param threads number of threads, at least 1 (the calling thread is one of them)
     */
    public CpuEngine(NetConfig config, int threads) {
        this.config = config;
        this.layers = config.net().layers();
        this.units = config.units();
        this.weights = new PaddedWeights(config.net());
        this.solver = new ActivationSolver(config, weights);
        this.workers = new CpuWorkers(threads);
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
        threadGradientFinite = new boolean[threads];
        termWeight = new float[layers];
        for (int k = 0; k < layers; k++) {
            termWeight[k] = (float) config.termWeight(k);
        }
        statSweeps = new long[threads];
        statInferences = new long[threads];
        statMaxResidual = new double[threads];
        statCorrect = new long[threads];
        statLinear = new long[threads][Math.max(0, layers - 1)];
        statFreeEnergy = new double[threads];
        statClampedEnergy = new double[threads];
        Arrays.fill(statMaxResidual, Double.NaN);
        ensureCapacity(64);
    }

    /** An engine on every available processor. */
    public CpuEngine(NetConfig config) {
        this(config, Runtime.getRuntime().availableProcessors());
    }

    @Override
    public String name() {
        return "cpu (" + workers.threads() + " threads, " + VectorKernelsInfo.describe() + ")";
    }

    @Override
    public NetConfig config() {
        return config;
    }

    @Override
    public void setParameters(Parameters p) {
        weights.set(p);
        invalidate();
    }

    @Override
    public Parameters parameters() {
        return weights.get();
    }

    @Override
    public DeviceData upload(Dataset dataset) {
        if (dataset.width() != config.net().inputs()) {
            throw new IllegalArgumentException("data set " + dataset.name() + " has " + dataset.width()
                    + " inputs per sample but net " + config.net() + " expects " + config.net().inputs());
        }
        if (dataset.classes() != config.net().outputs()) {
            throw new IllegalArgumentException("data set " + dataset.name() + " has " + dataset.classes()
                    + " classes but net " + config.net() + " has " + config.net().outputs() + " outputs");
        }
        return new HostData(dataset);
    }

    private record HostData(Dataset dataset) implements DeviceData {
        @Override
        public void close() {
        }
    }

    @Override
    public void selectBatch(DeviceData deviceData, int[] order, int from, int size) {
        if (size <= 0 || from < 0 || from + size > order.length) {
            throw new IllegalArgumentException("batch [" + from + ", " + (from + size) + ") is outside the order of length " + order.length);
        }
        ensureCapacity(size);
        this.data = deviceData.dataset();
        this.order = order;
        this.from = from;
        this.size = size;
        invalidate();
    }

    @Override
    public int batchSize() {
        return size;
    }

    @Override
    public void forward() {
        requireBatch();
        int width = config.net().inputs();
        int stride = weights.stride(0);
        workers.run(t -> {
            int r0 = workers.from(t, size);
            int r1 = workers.to(t, size);
            for (int r = r0; r < r1; r++) {
                int sample = order[from + r];
                System.arraycopy(data.inputs(), sample * width, input, r * stride, width);
                labels[r] = data.labels()[sample];
            }
            solver.forward(forward, r0, r1 - r0);
        });
        forwardDone = true;
        freeDone = false;
        clampedDone = false;
    }

    @Override
    public void inferFree(SolverConfig solverConfig) {
        infer(solverConfig, false);
        freeDone = true;
    }

    @Override
    public void inferClamped(SolverConfig solverConfig) {
        infer(solverConfig, true);
        clampedDone = true;
    }

    private void infer(SolverConfig solverConfig, boolean isClamped) {
        requireForward();
        Activations act = isClamped ? clamped : free;
        double[] energy = isClamped ? clampedEnergy : freeEnergy;
        workers.run(t -> {
            int r0 = workers.from(t, size);
            int r1 = workers.to(t, size);
            act.copyRows(forward, r0, r1, weights);
            long sweeps = 0;
            double worst = statMaxResidual[t];
            Scratch s = scratch[t];
            for (int r = r0; r < r1; r += VectorKernels.BLOCK) {
                int rows = Math.min(VectorKernels.BLOCK, r1 - r);
                if (isClamped) {
                    for (int i = 0; i < rows; i++) {
                        solver.clampOutput(act, r + i, labels[r + i]);
                    }
                }
                solver.solve(act, r, rows, isClamped, solverConfig, s);
                for (int i = 0; i < rows; i++) {
                    sweeps += s.sweeps[i];
                    energy[r + i] = s.energy[i];
                    if (!Double.isNaN(s.residualNorm[i])) {
                        worst = Double.isNaN(worst) ? s.residualNorm[i] : Math.max(worst, s.residualNorm[i]);
                    }
                }
            }
            statSweeps[t] += sweeps;
            statInferences[t] += r1 - r0;
            statMaxResidual[t] = worst;
        });
    }

    @Override
    public void computeGradient(Method method) {
        requireForward();
        switch (method) {
            case CONTRASTIVE -> {
                require(freeDone && clampedDone, "the contrastive gradient needs inferFree and inferClamped first");
                fillResiduals(clamped, lambdaA);
                fillResiduals(free, lambdaB);
                subtractFirstLayer();
                accumulate(clamped, lambdaA, free, lambdaB, true);
            }
            case LIFTED -> {
                require(clampedDone, "the lifted gradient needs inferClamped first");
                fillResiduals(clamped, lambdaA);
                accumulate(clamped, lambdaA, null, null, true);
            }
            case BACKPROP, LINEAR -> {
                backpropDeltas();
                accumulate(forward, lambdaA, null, null, false);
            }
        }
    }

    /** {@code lambda[k] = z_k - a_k} for {@code k = 1..L}, rows of the batch. */
    private void fillResiduals(Activations act, float[][] lambda) {
        workers.run(t -> {
            int r0 = workers.from(t, size);
            int r1 = workers.to(t, size);
            for (int k = 1; k <= layers; k++) {
                int s = weights.stride(k);
                float[] z = act.z(k);
                float[] a = act.a(k);
                float[] l = lambda[k];
                for (int i = r0 * s; i < r1 * s; i++) {
                    l[i] = z[i] - a[i];
                }
            }
        });
    }

    /** {@code lambdaA[1] -= lambdaB[1]} and zero {@code lambdaB[1]}: layer 0 shares its input {@code x}. */
    private void subtractFirstLayer() {
        int n = size * weights.stride(1);
        float[] a = lambdaA[1];
        float[] b = lambdaB[1];
        for (int i = 0; i < n; i++) {
            a[i] -= b[i];
            b[i] = 0f;
        }
    }

    /**
     * Backprop deltas into {@code lambdaA}, with the sign of energy residuals ({@code lambda = -delta}):
     * {@code delta_L = z_L - y}, {@code delta_k = (W_k^T delta_{k+1}) * [a_k strictly inside C]}.
     */
    private void backpropDeltas() {
        workers.run(t -> {
            int r0 = workers.from(t, size);
            int r1 = workers.to(t, size);
            int sl = weights.stride(layers);
            for (int r = r0; r < r1; r++) {
                float[] top = lambdaA[layers];
                for (int j = 0; j < sl; j++) {
                    float y = j == labels[r] ? 1f : 0f;
                    top[r * sl + j] = j < config.net().outputs() ? y - forward.z(layers)[r * sl + j] : 0f;
                }
                for (int k = layers - 1; k >= 1; k--) {
                    int sk = weights.stride(k);
                    int sn = weights.stride(k + 1);
                    VectorKernels.rowTimesMatrix(lambdaA[k + 1], r * sn, weights.width(k + 1), weights.rows(k), sk, null,
                            lambdaA[k], r * sk);
                    float[] a = forward.a(k);
                    for (int j = 0; j < sk; j++) {
                        if (!units.strictlyInside(a[r * sk + j])) {
                            lambdaA[k][r * sk + j] = 0f;
                        }
                    }
                }
            }
        });
    }

    /**
     * {@code G_k^T = -scale_k / B * (sum_r zA_k[r] lambdaA_{k+1}[r]^T - zB_k[r] lambdaB_{k+1}[r]^T)}, with
     * {@code scale_k = gamma^k} for energy gradients and 1 for backprop; biases likewise.
     */
    private void accumulate(Activations a, float[][] la, Activations b, float[][] lb, boolean energyScaled) {
        float inv = 1f / size;
        workers.run(t -> {
            boolean finite = true;
            for (int k = 0; k < layers; k++) {
                int rowsP = weights.width(k);
                int p0 = workers.from(t, rowsP);
                int p1 = workers.to(t, rowsP);
                int cols = weights.stride(k + 1);
                float scale = (energyScaled ? termWeight[k] : 1f) * inv;
                float[] g = gradT[k];
                Arrays.fill(g, p0 * cols, p1 * cols, 0f);
                boolean second = b != null && k > 0;
                VectorKernels.accumulateOuter(a.z(k), la[k + 1], -scale, second ? b.z(k) : null,
                        second ? lb[k + 1] : null, scale, weights.stride(k), size, cols, g, p0, p1);
                finite &= VectorKernels.allFinite(g, p0 * cols, (p1 - p0) * cols);
                if (k % workers.threads() == t) {
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
                    finite &= VectorKernels.allFinite(gb, 0, cols);
                }
            }
            threadGradientFinite[t] = finite;
        });
    }

    @Override
    public void applyUpdate(double[] rates) {
        if (rates.length != layers) {
            throw new IllegalArgumentException(layers + " learning rates needed, one per weight layer; found " + rates.length);
        }
        long update = statUpdates++;
        if (!gradientFinite()) {
            if (statFirstNonFinite < 0) {
                statFirstNonFinite = update;
            }
            invalidate();
            return;
        }
        workers.run(t -> {
            for (int k = 0; k < layers; k++) {
                float eta = (float) rates[k];
                int cols = weights.stride(k + 1);
                int p0 = workers.from(t, weights.width(k));
                int p1 = workers.to(t, weights.width(k));
                VectorKernels.axpy(-eta, gradT[k], p0 * cols, weights.transposed(k), p0 * cols, (p1 - p0) * cols);
                if (k % workers.threads() == t) {
                    VectorKernels.axpy(-eta, gradB[k], 0, weights.bias(k), 0, cols);
                }
            }
        });
        workers.run(t -> {
            for (int k = 1 + t; k < layers; k += workers.threads()) {
                weights.refreshDerived(k, k + 1);
            }
        });
        invalidate();
    }

    private boolean gradientFinite() {
        for (boolean finite : threadGradientFinite) {
            if (!finite) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void accumulateMetrics(Phase prediction) {
        Activations act = activationsOf(prediction);
        int outputs = config.net().outputs();
        workers.run(t -> {
            int r0 = workers.from(t, size);
            int r1 = workers.to(t, size);
            int sl = weights.stride(layers);
            float[] out = act.z(layers);
            for (int r = r0; r < r1; r++) {
                int best = 0;
                for (int j = 1; j < outputs; j++) {
                    if (out[r * sl + j] > out[r * sl + best]) {
                        best = j;
                    }
                }
                if (best == labels[r]) {
                    statCorrect[t]++;
                }
                for (int k = 1; k < layers; k++) {
                    int sk = weights.stride(k);
                    float[] z = act.z(k);
                    long count = 0;
                    for (int j = 0; j < weights.width(k); j++) {
                        if (units.strictlyInside(z[r * sk + j])) {
                            count++;
                        }
                    }
                    statLinear[t][k - 1] += count;
                }
                if (freeDone) {
                    statFreeEnergy[t] += freeEnergy[r];
                }
                if (clampedDone) {
                    statClampedEnergy[t] += clampedEnergy[r];
                }
            }
        });
        statSamples += size;
    }

    @Override
    public EpochStats drainStats() {
        long sweeps = 0;
        long inferences = 0;
        long correct = 0;
        double worst = Double.NaN;
        double fe = 0;
        double ce = 0;
        long[] linear = new long[Math.max(0, layers - 1)];
        for (int t = 0; t < workers.threads(); t++) {
            sweeps += statSweeps[t];
            inferences += statInferences[t];
            correct += statCorrect[t];
            fe += statFreeEnergy[t];
            ce += statClampedEnergy[t];
            if (!Double.isNaN(statMaxResidual[t])) {
                worst = Double.isNaN(worst) ? statMaxResidual[t] : Math.max(worst, statMaxResidual[t]);
            }
            for (int k = 0; k < linear.length; k++) {
                linear[k] += statLinear[t][k];
            }
            statSweeps[t] = 0;
            statInferences[t] = 0;
            statCorrect[t] = 0;
            statFreeEnergy[t] = 0;
            statClampedEnergy[t] = 0;
            statMaxResidual[t] = Double.NaN;
            Arrays.fill(statLinear[t], 0);
        }
        EpochStats stats = new EpochStats(statSamples, correct, linear, fe, ce, inferences, sweeps, worst,
                statUpdates, statFirstNonFinite);
        statSamples = 0;
        statUpdates = 0;
        statFirstNonFinite = -1;
        return stats;
    }

    @Override
    public float[] activations(Phase phase, int layer) {
        Activations act = activationsOf(phase);
        int n = weights.width(layer);
        int s = weights.stride(layer);
        float[] out = new float[size * n];
        for (int r = 0; r < size; r++) {
            System.arraycopy(act.z(layer), r * s, out, r * n, n);
        }
        return out;
    }

    @Override
    public double[] energies(Phase phase) {
        Activations act = activationsOf(phase);
        double[] e = new double[size];
        for (int r = 0; r < size; r++) {
            e[r] = solver.energy(act, r);
        }
        return e;
    }

    @Override
    public double kktResidual(Phase phase) {
        Activations act = activationsOf(phase);
        double worst = 0;
        for (int r = 0; r < size; r++) {
            worst = Math.max(worst, solver.kktResidual(act, r, phase == Phase.CLAMPED, scratch[0]));
        }
        return worst;
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
    public void close() {
        workers.close();
    }

    private Activations activationsOf(Phase phase) {
        return switch (phase) {
            case FORWARD -> {
                requireForward();
                yield forward;
            }
            case FREE -> {
                require(freeDone, "no free-phase activations for this batch: call inferFree first");
                yield free;
            }
            case CLAMPED -> {
                require(clampedDone, "no clamped-phase activations for this batch: call inferClamped first");
                yield clamped;
            }
        };
    }

    private void ensureCapacity(int n) {
        if (n <= capacity) {
            return;
        }
        capacity = Math.max(n, capacity * 2);
        input = new float[capacity * weights.stride(0)];
        labels = new int[capacity];
        forward = new Activations(weights, capacity, input);
        free = new Activations(weights, capacity, input);
        clamped = new Activations(weights, capacity, input);
        lambdaA = new float[layers + 1][];
        lambdaB = new float[layers + 1][];
        for (int k = 1; k <= layers; k++) {
            lambdaA[k] = new float[capacity * weights.stride(k)];
            lambdaB[k] = new float[capacity * weights.stride(k)];
        }
        freeEnergy = new double[capacity];
        clampedEnergy = new double[capacity];
    }

    private void invalidate() {
        forwardDone = false;
        freeDone = false;
        clampedDone = false;
    }

    private void requireBatch() {
        require(data != null, "no batch selected: call selectBatch first");
    }

    private void requireForward() {
        require(forwardDone, "no forward pass for this batch (or the weights changed): call forward first");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
