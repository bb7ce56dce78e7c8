package liftnet.solve;

import java.util.Arrays;
import liftnet.api.NetConfig;
import liftnet.api.OutputLoss;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.StopRule;
import liftnet.api.Units;

/**
 * Minimises the energy of one sample at a time over layers given as {@link LinearOp}s (dense or convolutional):
 * <pre>
 * E(z; x) = 1/2 ||z_1 - a_1||^2 + sum_{k=1}^{L-1} gamma^k / 2 ||z_{k+1} - a_{k+1}||^2,  a_{k+1} = W_k z_k + b_k
 * </pre>
 * over hidden {@code z_k} in {@code C} and, in the free phase, the output. The same two solvers as
 * {@link ActivationSolver}, written against the ops, one row at a time:
 * <ul>
 * <li>{@link Solver#GAUSS_SEIDEL}: layers bottom-up, unit by unit,
 *     {@code z_kj <- Proj_C((a_kj + gamma (W_k^T r)_j + gamma c_j z_kj) / (1 + gamma c_j))} with
 *     {@code r = z_{k+1} - a_{k+1}} kept up to date ({@link LinearOp#columnDot}, {@link LinearOp#columnAxpy}).</li>
 * <li>{@link Solver#JACOBI}: odd hidden layers, then even ones; a layer moves all its units towards their unit
 *     minimisers along {@code Delta} with the exact step {@code t = clamp(-<g, Delta> / (||Delta||^2 + gamma
 *     ||W_k Delta||^2), 0, 1)}, {@code g = (z_k - a_k) - gamma W_k^T r}, so the energy never rises.</li>
 * </ul>
 * In the free phase {@code z_L = a_L} after every update of layer {@code L-1} (then the top term is 0 and the step's
 * curvature is {@code ||Delta||^2}); a soft clamp sets {@code z_L} to its subproblem's minimiser ({@link OutputProx}).
 * The {@code c_j} are the ops' {@link LinearOp#columnNorms()}, computed once per weight update.
 */
public final class LayerSolver {

    private final LinearOp[] ops;
    private final int layers;
    private final int[] width;
    private final float gamma;
    private final float lower;
    private final float upper;
    /** {@code gamma^(m-1)}, the weight of the energy term of layer {@code m >= 1}. */
    private final double[] termWeight;
    private final OutputProx prox;

    /** Per-thread scratch, and the result of the last {@link #solve}. */
    public static final class Work {
        final float[] res;
        final float[] q;
        final float[] delta;
        final float[] d;
        public final float[] op;
        double[][] proxWork;
        /** Sweeps, energy and KKT residual (NaN when not measured) of the last {@link #solve}. */
        public int sweeps;
        public double energy;
        public double residual;

        Work(int maxWidth, int opWork) {
            res = new float[maxWidth];
            q = new float[maxWidth];
            delta = new float[maxWidth];
            d = new float[maxWidth];
            op = new float[Math.max(1, opWork)];
        }
    }

    public LayerSolver(NetConfig config, LinearOp[] ops) {
        this.ops = ops;
        this.layers = ops.length;
        this.width = config.net().widths();
        this.gamma = (float) config.gamma();
        Units units = config.units();
        this.lower = units.lower();
        this.upper = units.upper();
        this.termWeight = new double[layers + 1];
        for (int m = 1; m <= layers; m++) {
            termWeight[m] = config.termWeight(m - 1);
        }
        OutputLoss loss = config.outputLoss();
        this.prox = loss.isHard() ? null : new OutputProx(loss, config.termWeight(layers - 1), width[layers]);
    }

    public Work newWork() {
        int opWork = 0;
        for (LinearOp op : ops) {
            opWork = Math.max(opWork, op.workSize());
        }
        return new Work(Arrays.stream(width).max().orElseThrow(), opWork);
    }

    /**
     * Forward pass of row {@code r}: {@code a_{k+1} = W_k z_k + b_k}, {@code z_{k+1} = Proj_C(a_{k+1})} for hidden
     * layers, {@code z_L = a_L}; {@code z_0} of the row must hold its input. Modifies {@code z_1..z_L, a_1..a_L} of row
     * {@code r}, and clears its soft-clamp label.
     */
    public void forward(LayerActivations act, int r, Work work) {
        act.target[r] = -1;
        for (int k = 0; k < layers; k++) {
            int n = width[k + 1];
            int o = r * n;
            ops[k].apply(act.z[k], r * width[k], act.a[k + 1], o, true, work.op);
            float[] a = act.a[k + 1];
            float[] z = act.z[k + 1];
            if (k + 1 < layers) {
                for (int i = 0; i < n; i++) {
                    z[o + i] = Math.min(upper, Math.max(lower, a[o + i]));
                }
            } else {
                System.arraycopy(a, o, z, o, n);
            }
        }
    }

    /**
     * Sets row {@code r}'s output to {@code onehot(label)} (hard clamp), or records the label and sets {@code z_L} to
     * the soft clamp's minimiser at the row's {@code a_L}.
     */
    public void clampOutput(LayerActivations act, int r, int label, Work work) {
        int n = width[layers];
        if (prox != null) {
            act.target[r] = label;
            updateOutput(act, r, work);
            return;
        }
        Arrays.fill(act.z[layers], r * n, (r + 1) * n, 0f);
        act.z[layers][r * n + label] = 1f;
    }

    private void updateOutput(LayerActivations act, int r, Work work) {
        if (work.proxWork == null) {
            work.proxWork = prox.newWork();
        }
        int o = r * width[layers];
        prox.solve(act.a[layers], o, act.target[r], act.z[layers], o, work.proxWork);
    }

    private boolean soft(LayerActivations act, int r) {
        return prox != null && act.target[r] >= 0;
    }

    /** {@code E(z; x)} of row {@code r}, plus {@code beta l(z_L, y)} when the row is soft-clamped. */
    public double energy(LayerActivations act, int r) {
        double e = 0;
        for (int m = 1; m <= layers; m++) {
            int n = width[m];
            int o = r * n;
            float[] z = act.z[m];
            float[] a = act.a[m];
            double s = 0;
            for (int i = 0; i < n; i++) {
                double d = z[o + i] - a[o + i];
                s += d * d;
            }
            e += 0.5 * termWeight[m] * s;
        }
        if (soft(act, r)) {
            e += prox.weightedLoss(act.z[layers], r * width[layers], act.target[r]);
        }
        return e;
    }

    /**
     * Solves row {@code r} from its current activations; the result is in {@code work.sweeps}, {@code work.energy}
     * and {@code work.residual}.
     *
     * @param act     modified in row {@code r}: {@code z_1..z_L}, {@code a_2..a_L}
     * @param clamped whether {@code z_L} is fixed (hard clamp) or soft-clamped
     */
    public void solve(LayerActivations act, int r, boolean clamped, SolverConfig config, Work work) {
        StopRule stop = config.stop();
        double residual = stop == StopRule.KKT ? kktResidual(act, r, clamped, work) : Double.NaN;
        double e = stop == StopRule.ENERGY ? energy(act, r) : Double.NaN;
        int sweeps = 0;
        boolean done = SweepStop.before(config, residual);
        while (!done) {
            if (config.solver() == Solver.JACOBI) {
                jacobiSweep(act, r, clamped, work);
            } else {
                gaussSeidelSweep(act, r, clamped, work);
            }
            sweeps++;
            double decrease = Double.NaN;
            if (stop == StopRule.ENERGY) {
                double next = energy(act, r);
                decrease = e - next;
                e = next;
            } else if (stop == StopRule.KKT) {
                residual = kktResidual(act, r, clamped, work);
            }
            done = SweepStop.after(config, sweeps, decrease, e, residual);
        }
        work.sweeps = sweeps;
        work.energy = stop == StopRule.ENERGY ? e : energy(act, r);
        work.residual = residual;
    }

    /** One red-black Jacobi sweep of row {@code r}: odd hidden layers, then even ones. */
    public void jacobiSweep(LayerActivations act, int r, boolean clamped, Work work) {
        for (int parity = 1; parity >= 0; parity--) {
            for (int k = parity == 1 ? 1 : 2; k < layers; k += 2) {
                jacobiLayer(act, r, k, clamped, work);
            }
        }
    }

    private void jacobiLayer(LayerActivations act, int r, int k, boolean clamped, Work work) {
        int nk = width[k];
        int nn = width[k + 1];
        int zo = r * nk;
        int no = r * nn;
        float[] z = act.z[k];
        float[] a = act.a[k];
        float[] zn = act.z[k + 1];
        float[] an = act.a[k + 1];
        boolean topFree = !clamped && k == layers - 1;
        float[] q = work.q;
        if (topFree) {
            Arrays.fill(q, 0, nk, 0f);
        } else {
            for (int i = 0; i < nn; i++) {
                work.res[i] = zn[no + i] - an[no + i];
            }
            ops[k].applyTransposed(work.res, 0, q, 0, work.op);
        }
        float[] c = ops[k].columnNorms();
        float[] delta = work.delta;
        double slope = 0;
        double step2 = 0;
        for (int j = 0; j < nk; j++) {
            float zj = z[zo + j];
            float aj = a[zo + j];
            float gq = gamma * q[j];
            float gc = gamma * c[j];
            float proposal = Math.min(upper, Math.max(lower, (aj + gq + gc * zj) / (1f + gc)));
            float dj = proposal - zj;
            delta[j] = dj;
            slope += (double) (zj - aj - gq) * dj;
            step2 += (double) dj * dj;
        }
        if (step2 == 0) {
            return;
        }
        float[] d = work.d;
        ops[k].apply(delta, 0, d, 0, false, work.op);
        double h = step2;
        if (!topFree) {
            double dd = 0;
            for (int i = 0; i < nn; i++) {
                dd += (double) d[i] * d[i];
            }
            h += gamma * dd;
        }
        float t = (float) Math.min(1.0, Math.max(0.0, -slope / h));
        if (t == 0f) {
            return;
        }
        for (int j = 0; j < nk; j++) {
            z[zo + j] += t * delta[j];
        }
        for (int i = 0; i < nn; i++) {
            an[no + i] += t * d[i];
        }
        if (topFree) {
            System.arraycopy(an, no, zn, no, nn);
        } else if (k == layers - 1 && soft(act, r)) {
            updateOutput(act, r, work);
        }
    }

    /**
     * One Gauss-Seidel sweep of row {@code r}: hidden layers bottom-up, units in order, with {@code r = z_{k+1} -
     * a_{k+1}} updated after each unit; {@code a_{k+1} = z_{k+1} - r} is rebuilt at the end of the layer.
     */
    public void gaussSeidelSweep(LayerActivations act, int r, boolean clamped, Work work) {
        float[] res = work.res;
        for (int k = 1; k < layers; k++) {
            int nk = width[k];
            int nn = width[k + 1];
            int zo = r * nk;
            int no = r * nn;
            float[] z = act.z[k];
            float[] a = act.a[k];
            float[] zn = act.z[k + 1];
            float[] an = act.a[k + 1];
            float[] c = ops[k].columnNorms();
            for (int i = 0; i < nn; i++) {
                res[i] = zn[no + i] - an[no + i];
            }
            boolean changed = false;
            for (int j = 0; j < nk; j++) {
                float q = ops[k].columnDot(j, res, 0);
                float gc = gamma * c[j];
                float old = z[zo + j];
                float next = Math.min(upper, Math.max(lower, (a[zo + j] + gamma * q + gc * old) / (1f + gc)));
                float delta = next - old;
                if (delta != 0f) {
                    z[zo + j] = next;
                    ops[k].columnAxpy(j, -delta, res, 0);
                    changed = true;
                }
            }
            if (changed) {
                for (int i = 0; i < nn; i++) {
                    an[no + i] = zn[no + i] - res[i];
                }
            }
            if (!clamped && k == layers - 1) {
                System.arraycopy(an, no, zn, no, nn);
            } else if (changed && k == layers - 1 && soft(act, r)) {
                updateOutput(act, r, work);
            }
        }
    }

    /**
     * KKT residual of row {@code r}: {@code max |z - Proj_C(z - g)|} over hidden units with
     * {@code g_kj = gamma^(k-1) ((z_kj - a_kj) - gamma (W_k^T r_k)_j)}, plus {@code max |gamma^(L-1)(z_L - a_L)|} in
     * the free phase and the soft clamp's output residual in a soft-clamped one.
     */
    public double kktResidual(LayerActivations act, int r, boolean clamped, Work work) {
        double worst = 0;
        for (int k = 1; k < layers; k++) {
            int nk = width[k];
            int nn = width[k + 1];
            int zo = r * nk;
            int no = r * nn;
            for (int i = 0; i < nn; i++) {
                work.res[i] = act.z[k + 1][no + i] - act.a[k + 1][no + i];
            }
            ops[k].applyTransposed(work.res, 0, work.q, 0, work.op);
            double tw = termWeight[k];
            for (int j = 0; j < nk; j++) {
                float z = act.z[k][zo + j];
                double g = tw * ((z - act.a[k][zo + j]) - gamma * work.q[j]);
                worst = Math.max(worst, Math.abs(z - Math.min(upper, Math.max(lower, z - g))));
            }
        }
        int nl = width[layers];
        int o = r * nl;
        if (soft(act, r)) {
            worst = Math.max(worst, prox.kktResidual(act.a[layers], o, act.z[layers], o, act.target[r]));
        } else if (!clamped) {
            for (int j = 0; j < nl; j++) {
                worst = Math.max(worst, Math.abs(termWeight[layers] * (act.z[layers][o + j] - act.a[layers][o + j])));
            }
        }
        return worst;
    }
}
