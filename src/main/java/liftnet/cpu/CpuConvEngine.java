package liftnet.cpu;

import java.util.Arrays;
import liftnet.api.EngineChecks;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.SolverConfig;
import liftnet.data.Dataset;
import liftnet.solve.LayerActivations;
import liftnet.solve.LayerSolver;
import liftnet.solve.LinearOp;
import liftnet.solve.SparseInputs;

/**
 * The CPU engine for nets with convolutional layers (it runs dense nets too, more slowly than {@link CpuEngine}):
 * every weight layer is a {@link LinearOp}, the solvers are {@link LayerSolver}'s, one sample at a time. The threads
 * share a batch's samples for the forward pass and inference. Gradients are summed per fixed group of
 * {@link #GROUP} samples and the groups' sums added in order, so results do not depend on the number of threads or
 * on which thread ran which group.
 */
public final class CpuConvEngine extends CpuBatchEngine<LayerActivations> {

    /** Samples per partial gradient sum. */
    static final int GROUP = 8;

    private final NetSpec net;
    private final float[][] w;
    private final float[][] b;
    private final LinearOp[] ops;
    private final LayerSolver solver;
    /** Solves the negatively nudged phase, {@code E - beta l}; {@code null} without one ({@link #negativePosed()}). */
    private final LayerSolver negativeSolver;
    private final LayerSolver.Work[] work;
    /** Per worker, a residual row of the widest layer. */
    private final float[][] lambdaRow;
    private final float[][] gw;
    private final float[][] gb;
    private final double[] termWeight;
    /** Whether the last gradient is finite everywhere. */
    private boolean finite = true;

    /** Back-propagated errors {@code delta_k}, {@code [capacity x n_k]}. */
    private float[][] delta;
    private float[][][] partialW;
    private float[][][] partialB;

    /** @param threads number of threads, at least 1 (the calling thread is one of them) */
    public CpuConvEngine(NetConfig config, int threads) {
        super(config, threads);
        this.net = config.net();
        w = new float[layers][];
        b = new float[layers][];
        gw = new float[layers][];
        gb = new float[layers][];
        ops = new LinearOp[layers];
        termWeight = new double[layers];
        for (int k = 0; k < layers; k++) {
            w[k] = new float[net.weightCount(k)];
            b[k] = new float[net.biasCount(k)];
            gw[k] = new float[w[k].length];
            gb[k] = new float[b[k].length];
            ops[k] = LinearOp.of(net, k, w[k], b[k]);
            termWeight[k] = config.termWeight(k);
        }
        solver = new LayerSolver(config, ops);
        negativeSolver = !negativePosed() ? null
                : new LayerSolver(config.withOutputLoss(config.outputLoss().negated()), ops);
        work = new LayerSolver.Work[threads];
        lambdaRow = new float[threads][];
        for (int t = 0; t < threads; t++) {
            work[t] = solver.newWork();
            lambdaRow[t] = new float[net.maxWidth()];
        }
        ensureCapacity(64);
    }

    /** An engine on every available processor. */
    public CpuConvEngine(NetConfig config) {
        this(config, Runtime.getRuntime().availableProcessors());
    }

    @Override
    protected String detail() {
        return "layer ops for convolutions";
    }

    @Override
    public void setParameters(Parameters p) {
        EngineChecks.parameters(config, p);
        for (int k = 0; k < layers; k++) {
            System.arraycopy(p.weight(k), 0, w[k], 0, w[k].length);
            System.arraycopy(p.bias(k), 0, b[k], 0, b[k].length);
            ops[k].refresh();
        }
        phases.invalidate();
    }

    @Override
    public Parameters parameters() {
        return copyOf(w, b);
    }

    /** New parameters holding copies of {@code weights} and {@code biases} (not modified), layer by layer. */
    private Parameters copyOf(float[][] weights, float[][] biases) {
        Parameters p = Parameters.zeros(net);
        for (int k = 0; k < layers; k++) {
            System.arraycopy(weights[k], 0, p.weight(k), 0, weights[k].length);
            System.arraycopy(biases[k], 0, p.bias(k), 0, biases[k].length);
        }
        return p;
    }

    /** None: the ops read the dense inputs. */
    @Override
    protected SparseInputs sparseRows(Dataset dataset) {
        return null;
    }

    @Override
    public void forward() {
        phases.requireBatch();
        int n0 = width[0];
        workers.run(size, (r, t) -> {
            int sample = order[from + r];
            labels[r] = data.labels()[sample];
            System.arraycopy(data.inputs(), sample * n0, forward.z(0), r * n0, n0);
            solver.forward(forward, r, work[t]);
        });
        phases.forwardDone();
    }

    /** Each row solved on its own: the threads claim rows, set each up from {@code start}, and solve it. */
    @Override
    protected void solve(SolverConfig solverConfig, Phase phase, LayerActivations act, LayerActivations start,
            double[] energy) {
        boolean isClamped = phase != Phase.FREE;
        LayerSolver solver = solverOf(phase);
        workers.run(size, (r, t) -> {
            LayerSolver.Work wk = work[t];
            act.copyRow(start, r);
            if (isClamped) {
                solver.clampOutput(act, r, labels[r], wk);
            }
            solver.solve(act, r, isClamped, solverConfig, wk);
            stats.inference(t, wk.sweeps, wk.residual);
            energy[r] = wk.energy;
        });
    }

    /** The solver of {@code phase}'s problem: {@code E - beta l} for {@link Phase#NEGATIVE}, else {@code E (+ beta l)}. */
    private LayerSolver solverOf(Phase phase) {
        return phase == Phase.NEGATIVE ? negativeSolver : solver;
    }

    @Override
    public void computeGradient(Method method) {
        phases.requireGradient(method);
        if (method == Method.BACKPROP || method == Method.LINEAR) {
            backpropDeltas();
        }
        accumulate(method);
    }

    /** {@code delta_L = z_L - y}, {@code delta_k = (W_k^T delta_{k+1}) * [a_k strictly inside C]} at the forward pass. */
    private void backpropDeltas() {
        int outputs = width[layers];
        workers.run(size, (r, t) -> {
            float[] top = delta[layers];
            float[] zl = forward.z(layers);
            for (int j = 0; j < outputs; j++) {
                top[r * outputs + j] = zl[r * outputs + j] - (j == labels[r] ? 1f : 0f);
            }
            for (int k = layers - 1; k >= 1; k--) {
                int n = width[k];
                ops[k].applyTransposed(delta[k + 1], r * width[k + 1], delta[k], r * n, work[t].op);
                float[] a = forward.a(k);
                for (int j = 0; j < n; j++) {
                    if (!units.strictlyInside(a[r * n + j])) {
                        delta[k][r * n + j] = 0f;
                    }
                }
            }
        });
    }

    /**
     * The batch-mean gradient: per group of {@link #GROUP} samples and layer, {@code sum_r scale lambda_{k+1} z_k^T}
     * into the group's partial sums, then the partial sums added in group order. Energy gradients use
     * {@code dE/dW_k = -gamma^k lambda_{k+1} z_k^T} at the clamped (minus the free) activations; backprop
     * {@code delta_{k+1} z_k^T} at the forward pass. After {@link #inferNegative} the contrastive gradient is symmetric
     * nudging's, {@code (dE(z_clamped) - dE(z_negative)) / 2}.
     */
    private void accumulate(Method method) {
        int groups = (size + GROUP - 1) / GROUP;
        ensurePartials(groups);
        boolean symmetric = method == Method.CONTRASTIVE && phases.negative();
        LayerActivations minus = symmetric ? negative : free;
        float inv = (symmetric ? 0.5f : 1f) / size;
        workers.run(groups * layers, (c, t) -> {
            int g = c / layers;
            int k = c % layers;
            float[] pw = partialW[g][k];
            float[] pb = partialB[g][k];
            Arrays.fill(pw, 0f);
            Arrays.fill(pb, 0f);
            int nk = width[k];
            int nn = width[k + 1];
            float[] lam = lambdaRow[t];
            for (int r = g * GROUP; r < Math.min(size, (g + 1) * GROUP); r++) {
                if (method == Method.BACKPROP || method == Method.LINEAR) {
                    ops[k].accumulateGradient(delta[k + 1], r * nn, forward.z(k), r * nk, inv, pw, pb, work[t].op);
                    continue;
                }
                float scale = (float) (termWeight[k] * inv);
                residual(clamped, k + 1, r, lam);
                ops[k].accumulateGradient(lam, 0, k == 0 ? forward.z(0) : clamped.z(k), r * nk, -scale, pw, pb, work[t].op);
                if (method == Method.CONTRASTIVE) {
                    residual(minus, k + 1, r, lam);
                    ops[k].accumulateGradient(lam, 0, k == 0 ? forward.z(0) : minus.z(k), r * nk, scale, pw, pb, work[t].op);
                }
            }
        });
        workers.run(layers, (k, t) -> {
            Arrays.fill(gw[k], 0f);
            Arrays.fill(gb[k], 0f);
            for (int g = 0; g < groups; g++) {
                float[] pw = partialW[g][k];
                float[] pb = partialB[g][k];
                for (int i = 0; i < pw.length; i++) {
                    gw[k][i] += pw[i];
                }
                for (int i = 0; i < pb.length; i++) {
                    gb[k][i] += pb[i];
                }
            }
        });
        finite = true;
        for (int k = 0; k < layers && finite; k++) {
            finite = allFinite(gw[k]) && allFinite(gb[k]);
        }
    }

    /** {@code out = z_m - a_m} of row {@code r}. */
    private void residual(LayerActivations act, int m, int r, float[] out) {
        int n = width[m];
        float[] z = act.z(m);
        float[] a = act.a(m);
        for (int i = 0; i < n; i++) {
            out[i] = z[r * n + i] - a[r * n + i];
        }
    }

    private static boolean allFinite(float[] v) {
        for (float x : v) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    @Override
    protected boolean gradientFinite() {
        return finite;
    }

    @Override
    protected void step(double[] rates) {
        workers.run(layers, (k, t) -> {
            float eta = (float) rates[k];
            float[] wk = w[k];
            float[] g = gw[k];
            for (int i = 0; i < wk.length; i++) {
                wk[i] -= eta * g[i];
            }
            float[] bk = b[k];
            float[] h = gb[k];
            for (int i = 0; i < bk.length; i++) {
                bk[i] -= eta * h[i];
            }
            ops[k].refresh();
        });
    }

    @Override
    public float[] activations(Phase phase, int layer) {
        LayerActivations act = layer == 0 ? forward : activationsOf(phase);
        if (layer == 0) {
            phases.requireForward();
        }
        return Arrays.copyOf(act.z(layer), size * width[layer]);
    }

    @Override
    protected double energy(LayerActivations act, int r, Phase phase) {
        return solverOf(phase).energy(act, r);
    }

    @Override
    protected double kktResidual(LayerActivations act, int r, Phase phase) {
        return solverOf(phase).kktResidual(act, r, phase != Phase.FREE && phase != Phase.FORWARD, work[0]);
    }

    @Override
    public Parameters gradient() {
        return copyOf(gw, gb);
    }

    @Override
    protected float[] z(LayerActivations act, int k) {
        return act.z(k);
    }

    @Override
    protected int stride(int k) {
        return width[k];
    }

    @Override
    protected LayerActivations newActivations(int capacity) {
        return new LayerActivations(width, capacity);
    }

    @Override
    protected void allocateRows(int capacity) {
        delta = new float[layers + 1][];
        for (int k = 1; k <= layers; k++) {
            delta[k] = new float[capacity * width[k]];
        }
    }

    /** Partial gradient sums for {@code groups} groups, allocated when a gradient first needs them. */
    private void ensurePartials(int groups) {
        int have = partialW == null ? 0 : partialW.length;
        if (groups <= have) {
            return;
        }
        partialW = partialW == null ? new float[groups][][] : Arrays.copyOf(partialW, groups);
        partialB = partialB == null ? new float[groups][][] : Arrays.copyOf(partialB, groups);
        for (int g = have; g < groups; g++) {
            partialW[g] = new float[layers][];
            partialB[g] = new float[layers][];
            for (int k = 0; k < layers; k++) {
                partialW[g][k] = new float[w[k].length];
                partialB[g][k] = new float[b[k].length];
            }
        }
    }
}
