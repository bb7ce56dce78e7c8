package liftnet.solve;

import static liftnet.solve.VectorKernels.BLOCK;
import static liftnet.solve.VectorKernels.LANES;
import static liftnet.solve.VectorKernels.S;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.OutputLoss;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.StopRule;

/**
 * Minimises the energy of each sample over a net's weight layers given as {@link LayerOp}s (dense or convolutional;
 * rows are independent, so callers split a batch's rows between threads):
 * <pre>
 * E(z; x) = 1/2 ||z_1 - a_1||^2 + sum_{k=1}^{L-1} gamma^k / 2 ||z_{k+1} - a_{k+1}||^2,  a_{k+1} = W_k z_k + b_k
 * </pre>
 * over hidden {@code z_k} in {@code C} and, in the free phase, the output {@code z_L}. The exact minimiser of
 * one unit, with {@code r = z_{k+1} - a_{k+1}}, {@code c_j = ||W_k[:, j]||^2}, is
 * {@code Proj_C((a_kj + gamma (W_k^T r)_j + gamma c_j z_kj) / (1 + gamma c_j))}.
 * <ul>
 * <li>{@link Solver#GAUSS_SEIDEL}: layers bottom-up, units one by one (the paper's solver), one row at a time.</li>
 * <li>{@link Solver#JACOBI}: odd hidden layers, then even ones (red-black); each layer moves all its units
 *     towards their unit minimisers at once, along {@code Delta} with the exact step
 *     {@code t = clamp(-<g, Delta> / (||Delta||^2 + gamma ||W_k Delta||^2), 0, 1)}, so the energy never rises (in the
 *     free phase the top layer's curvature keeps {@code gamma ||W_k Delta||^2} too, as {@code kernels/solver.cl} does:
 *     a bound on the curvature with {@code z_L} held, which resetting {@code z_L = a_L} only lowers further).
 *     Runs {@link #blockRows} rows together so that each weight load feeds several rows.</li>
 * </ul>
 * In the free phase {@code z_L = a_L} is restored after every update of layer {@code L-1} (its exact minimiser).
 * A soft clamp ({@link OutputLoss}) minimises {@code E + beta l(z_L, y)}: layer {@code L-1} is updated with
 * {@code z_L} held, then {@code z_L} becomes the exact minimiser of its own subproblem ({@link OutputProx}), a block
 * coordinate descent step that never raises the objective; {@link #energy} then includes {@code beta l}.
 * Each row stops on its own (a stopped row of a Jacobi block takes no further steps).
 */
public final class ActivationSolver {

    private final LayerOp[] ops;
    private final int layers;
    /** {@code pad(n_k)}: the distance between two rows of layer {@code k}'s activations. */
    private final int[] stride;
    private final float gamma;
    private final float lower;
    private final float upper;
    private final float[] termWeight;
    /** The soft clamp's output subproblem; {@code null} for the hard clamp. */
    private final OutputProx prox;
    /** Rows in flight together, {@link #blockRows}. */
    private final int block;

    /** Rows a conv net's Jacobi sweeps run together: its GEMMs' columns are these rows' positions side by side. */
    static final int CONV_BLOCK = 16;

    /** @param ops the net's weight layers, {@link LayerOp#of}; read, never modified */
    public ActivationSolver(NetConfig config, LayerOp[] ops) {
        this.ops = ops;
        this.layers = ops.length;
        this.stride = new int[layers + 1];
        for (int k = 0; k <= layers; k++) {
            stride[k] = VectorKernels.pad(config.net().width(k));
        }
        this.gamma = (float) config.gamma();
        this.lower = config.units().lower();
        this.upper = config.units().upper();
        this.termWeight = new float[layers + 1];
        for (int m = 1; m <= layers; m++) {
            termWeight[m] = (float) config.termWeight(m - 1);
        }
        OutputLoss loss = config.outputLoss();
        this.prox = loss.isHard() ? null : new OutputProx(loss, config.termWeight(layers - 1), config.net().outputs());
        this.block = blockRows(config.net());
    }

    /**
     * The rows a Jacobi sweep runs together: {@link VectorKernels#BLOCK} for a dense net (each weight loaded feeds the
     * register tile's rows), {@link #CONV_BLOCK} for a net with convolutions (wider GEMMs, less of them padding).
     */
    static int blockRows(NetSpec net) {
        return net.hasConv() ? CONV_BLOCK : BLOCK;
    }

    /** Distance between two rows of layer {@code k} in the activations: its width padded. */
    public int stride(int k) {
        return stride[k];
    }

    /** Activations of {@code capacity} rows in this solver's layout. */
    public Activations newActivations(int capacity) {
        return new Activations(stride, capacity);
    }

    /** Scratch for one thread. */
    public Scratch newScratch() {
        int max = 0;
        int work = 0;
        for (int k = 1; k <= layers; k++) {
            max = Math.max(max, stride[k]);
            work = Math.max(work, ops[k - 1].workSize());
        }
        return new Scratch(block, max, work);
    }

    /**
     * Forward pass of rows {@code r0 .. r0+rows}: {@code a_{k+1} = W_k z_k + b_k},
     * {@code z_{k+1} = Proj_C(a_{k+1})} for hidden layers, {@code z_L = a_L}, from the rows' inputs.
     *
     * @param act modified: {@code z_1..z_L}, {@code a_1..a_L} of those rows
     */
    public void forward(Activations act, int r0, int rows, InputRows inputs, Scratch s) {
        for (int k = 0; k < layers; k++) {
            int sIn = stride[k];
            int sOut = stride[k + 1];
            if (k == 0) {
                ops[0].applyToInputs(inputs, r0, rows, act.a[1], sOut, s.work);
            } else {
                for (int r = r0; r < r0 + rows; r += BLOCK) {
                    ops[k].apply(act.z[k], r * sIn, sIn, Math.min(BLOCK, r0 + rows - r), act.a[k + 1], r * sOut, sOut,
                            true, s.work);
                }
            }
            if (k + 1 < layers) {
                VectorKernels.project(act.a[k + 1], r0 * sOut, lower, upper, act.z[k + 1], r0 * sOut, rows * sOut);
            } else {
                System.arraycopy(act.a[k + 1], r0 * sOut, act.z[k + 1], r0 * sOut, rows * sOut);
            }
        }
    }

    /**
     * Sets the output of row {@code r} to {@code onehot(label)}, the hard clamp's constraint; for a soft clamp, records
     * the label and sets {@code z_L} to the minimiser of its subproblem at the row's {@code a_L}.
     */
    public void clampOutput(Activations act, int r, int label, Scratch scratch) {
        int s = stride[layers];
        if (prox != null) {
            act.target[r] = label;
            updateOutput(act, r, scratch);
            return;
        }
        Arrays.fill(act.z[layers], r * s, (r + 1) * s, 0f);
        act.z[layers][r * s + label] = 1f;
    }

    /**
     * {@code z_L} of row {@code r} becomes the minimiser of the soft clamp's output subproblem at the row's {@code a_L}.
     *
     * @return the decrease of the objective {@code E + beta l}
     */
    private double updateOutput(Activations act, int r, Scratch scratch) {
        if (scratch.proxWork == null) {
            scratch.proxWork = prox.newWork();
        }
        int o = r * stride[layers];
        return prox.solve(act.a[layers], o, act.target[r], act.z[layers], o, scratch.proxWork);
    }

    /** Whether row {@code r} of {@code act} is soft-clamped. */
    private boolean soft(Activations act, int r) {
        return prox != null && act.target[r] >= 0;
    }

    /**
     * {@code E(z; x)} of row {@code r}, plus {@code beta l(z_L, y)} when the row is soft-clamped: the energy reported,
     * with each difference squared and summed in double, so that finite differences of it resolve gradients.
     */
    public double energy(Activations act, int r) {
        return energy(act, r, true);
    }

    /**
     * The energy, {@code exact} as {@link #energy(Activations, int)} or in float lanes as the stop rule measures it
     * (a row's sweeps must not depend on how its energy is reported).
     */
    private double energy(Activations act, int r, boolean exact) {
        double e = 0;
        for (int m = 1; m <= layers; m++) {
            int o = r * stride[m];
            double d2 = exact ? 0 : VectorKernels.squaredDistance(act.z[m], o, act.a[m], o, stride[m]);
            for (int i = o; exact && i < o + stride[m]; i++) {
                double d = (double) act.z[m][i] - act.a[m][i];
                d2 += d * d;
            }
            e += 0.5 * termWeight[m] * d2;
        }
        if (soft(act, r)) {
            e += prox.weightedLoss(act.z[layers], r * stride[layers], act.target[r]);
        }
        return e;
    }

    /** Where {@link #solve} takes its rows from and hands them back; one per thread. */
    public interface Rows {
        /**
         * Claims the next row to solve, its activations ready (the forward pass or a warm start, output clamped
         * or not), or returns -1 when none is left.
         */
        int next();

        /** Row {@code row} is solved: {@code residualNorm} is NaN where the stopping rule did not measure it. */
        void done(int row, int sweeps, double energy, double residualNorm);
    }

    /**
     * Solves rows from {@code rows} until it has none left. Up to {@link #blockRows} rows are in flight
     * and share each Jacobi sweep's weight loads; a row that stops hands its slot to the next one, so blocks stay
     * full while rows remain (with a tolerance stop the rows of a batch need from 1 to 15 sweeps). Each row's
     * result depends on that row alone, whatever it shared a block with.
     *
     * @param act     modified in the rows solved: {@code z_1..z_L} and {@code a_2..a_L}
     * @param clamped whether {@code z_L} is fixed
     */
    public void solve(Activations act, Rows rows, boolean clamped, SolverConfig config, Scratch s) {
        StopRule stop = config.stop();
        int inFlight = 0;
        boolean more = true;
        while (true) {
            while (more && inFlight < block) {
                int r = rows.next();
                if (r < 0) {
                    more = false;
                    break;
                }
                double residual = stop == StopRule.KKT ? kktResidual(act, r, clamped, s) : Double.NaN;
                if (SweepStop.before(config, residual)) {
                    rows.done(r, 0, energy(act, r), residual);
                    continue;
                }
                s.row[inFlight] = r;
                s.sweeps[inFlight] = 0;
                s.energy[inFlight] = stop == StopRule.ENERGY ? energy(act, r, false) : Double.NaN;
                s.residualNorm[inFlight] = residual;
                inFlight++;
            }
            if (inFlight == 0) {
                return;
            }
            if (config.solver() == Solver.JACOBI) {
                jacobiSweep(act, s.row, inFlight, clamped, s);
            } else {
                for (int i = 0; i < inFlight; i++) {
                    gaussSeidelSweep(act, s.row[i], clamped, s);
                    if (stop == StopRule.ENERGY) {
                        s.decrease[i] = s.energy[i] - energy(act, s.row[i], false);
                    }
                }
            }
            for (int i = inFlight - 1; i >= 0; i--) {
                int r = s.row[i];
                int sweeps = ++s.sweeps[i];
                if (stop == StopRule.ENERGY) {
                    s.energy[i] -= s.decrease[i];
                } else if (stop == StopRule.KKT) {
                    s.residualNorm[i] = kktResidual(act, r, clamped, s);
                }
                if (SweepStop.after(config, sweeps, s.decrease[i], s.energy[i], s.residualNorm[i])) {
                    rows.done(r, sweeps, energy(act, r), s.residualNorm[i]);
                    inFlight--;
                    s.row[i] = s.row[inFlight];
                    s.sweeps[i] = s.sweeps[inFlight];
                    s.energy[i] = s.energy[inFlight];
                    s.residualNorm[i] = s.residualNorm[inFlight];
                }
            }
        }
    }

    /** One red-black Jacobi sweep of rows {@code row[0 .. count)} ({@code count <= blockRows}): odd hidden layers, then even ones. */
    void jacobiSweep(Activations act, int[] row, int count, boolean clamped, Scratch s) {
        Arrays.fill(s.decrease, 0, count, 0.0);
        for (int parity = 1; parity >= 0; parity--) {
            for (int k = parity == 1 ? 1 : 2; k < layers; k += 2) {
                jacobiLayer(act, row, count, k, clamped, s);
            }
        }
    }

    private void jacobiLayer(Activations act, int[] row, int rows, int k, boolean clamped, Scratch s) {
        int sk = stride[k];
        int sn = stride[k + 1];
        float[] z = act.z[k];
        float[] a = act.a[k];
        float[] zn = act.z[k + 1];
        float[] an = act.a[k + 1];
        boolean topFree = !clamped && k == layers - 1;
        // three rows run cheaper as a tile of four (the stale fourth slot's result is unused; rows are unaffected)
        int productRows = rows % BLOCK == BLOCK - 1 ? rows + 1 : rows;
        if (topFree) {
            Arrays.fill(s.q, 0, rows * sk, 0f);
        } else {
            for (int i = 0; i < rows; i++) {
                residual(act, k + 1, row[i], s.residual, i * sn);
            }
            ops[k].applyTransposed(s.residual, 0, sn, productRows, s.q, 0, sk, s.work);
        }
        FloatVector g = FloatVector.broadcast(S, gamma);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector lo = FloatVector.broadcast(S, lower);
        FloatVector hi = FloatVector.broadcast(S, upper);
        float[] c = ops[k].columnNorms();
        boolean any = false;
        for (int i = 0; i < rows; i++) {
            int zo = row[i] * sk;
            int so = i * sk;
            FloatVector slope = FloatVector.zero(S);
            FloatVector step2 = FloatVector.zero(S);
            for (int j = 0; j < sk; j += LANES) {
                FloatVector zj = FloatVector.fromArray(S, z, zo + j);
                FloatVector aj = FloatVector.fromArray(S, a, zo + j);
                FloatVector gq = FloatVector.fromArray(S, s.q, so + j).mul(g);
                FloatVector gc = FloatVector.fromArray(S, c, j).mul(g);
                FloatVector proposal = aj.add(gq).add(gc.mul(zj)).div(one.add(gc)).max(lo).min(hi);
                FloatVector delta = proposal.sub(zj);
                delta.intoArray(s.delta, so + j);
                slope = zj.sub(aj).sub(gq).fma(delta, slope);
                step2 = delta.fma(delta, step2);
            }
            s.slope[i] = VectorKernels.sumLanes(slope);
            s.step2[i] = VectorKernels.sumLanes(step2);
            any |= s.step2[i] > 0;
        }
        if (!any) {
            return;
        }
        ops[k].apply(s.delta, 0, sk, productRows, s.d, 0, sn, false, s.work);
        for (int i = 0; i < rows; i++) {
            if (s.step2[i] == 0) {
                continue;
            }
            double h = s.step2[i] + gamma * VectorKernels.squaredNorm(s.d, i * sn, sn);
            float t = (float) Math.min(1.0, Math.max(0.0, -s.slope[i] / h));
            if (t == 0f) {
                continue;
            }
            s.decrease[i] -= termWeight[k] * (t * s.slope[i] + 0.5 * t * t * h);
            int zo = row[i] * sk;
            int no = row[i] * sn;
            VectorKernels.axpy(t, s.delta, i * sk, z, zo, sk);
            VectorKernels.axpy(t, s.d, i * sn, an, no, sn);
            if (topFree) {
                System.arraycopy(an, no, zn, no, sn);
            } else if (k == layers - 1 && soft(act, row[i])) {
                s.decrease[i] += updateOutput(act, row[i], s);
            }
        }
    }

    /**
     * {@code out[o ..] = z_m - a_m} of row {@code r}, its {@code pad(n_m)} values.
     *
     * @param out modified in those values; {@code act} is not
     */
    public void residual(Activations act, int m, int r, float[] out, int o) {
        for (int i = 0, ro = r * stride[m]; i < stride[m]; i += LANES) {
            FloatVector d = FloatVector.fromArray(S, act.z[m], ro + i).sub(FloatVector.fromArray(S, act.a[m], ro + i));
            d.intoArray(out, o + i);
        }
    }

    /**
     * One Gauss-Seidel sweep of row {@code r}: hidden layers bottom-up, units in order. Keeps
     * {@code r = z_{k+1} - a_{k+1}} in a scratch row while it walks a layer's units, so each unit costs one dot
     * product and one axpy, and rebuilds {@code a_{k+1} = z_{k+1} - r} once at the end of the layer.
     */
    public void gaussSeidelSweep(Activations act, int r, boolean clamped, Scratch s) {
        float[] res = s.residual;
        for (int k = 1; k < layers; k++) {
            int sk = stride[k];
            int sn = stride[k + 1];
            int zo = r * sk;
            int no = r * sn;
            float[] z = act.z[k];
            float[] a = act.a[k];
            float[] zn = act.z[k + 1];
            float[] an = act.a[k + 1];
            LayerOp op = ops[k];
            float[] c = op.columnNorms();
            residual(act, k + 1, r, res, 0);
            boolean changed = false;
            for (int j = 0; j < op.inputs(); j++) {
                float q = op.columnDot(j, res, 0);
                float gc = gamma * c[j];
                float old = z[zo + j];
                float next = Math.min(upper, Math.max(lower, (a[zo + j] + gamma * q + gc * old) / (1f + gc)));
                float delta = next - old;
                if (delta != 0f) {
                    z[zo + j] = next;
                    op.columnAxpy(j, -delta, res, 0);
                    changed = true;
                }
            }
            if (changed) {
                for (int i = 0; i < sn; i += LANES) {
                    FloatVector.fromArray(S, zn, no + i).sub(FloatVector.fromArray(S, res, i)).intoArray(an, no + i);
                }
            }
            if (!clamped && k == layers - 1) {
                System.arraycopy(an, no, zn, no, sn);
            } else if (changed && k == layers - 1 && soft(act, r)) {
                updateOutput(act, r, s);
            }
        }
    }

    /**
     * KKT residual of row {@code r}: {@code max |z - Proj_C(z - g)|} over hidden units with
     * {@code g_kj = gamma^(k-1) ((z_kj - a_kj) - gamma (W_k^T r_k)_j)}, plus {@code max |gamma^(L-1)(z_L - a_L)|}
     * in the free phase and {@code max |gamma^(L-1)(z_L - a_L) + beta grad l(z_L)|} in a soft-clamped one.
     */
    public double kktResidual(Activations act, int r, boolean clamped, Scratch s) {
        double worst = 0;
        for (int k = 1; k < layers; k++) {
            int zo = r * stride[k];
            residual(act, k + 1, r, s.residual, 0);
            ops[k].applyTransposed(s.residual, 0, stride[k + 1], 1, s.q, 0, stride[k], s.work);
            float tw = termWeight[k];
            for (int j = 0; j < ops[k].inputs(); j++) {
                float z = act.z[k][zo + j];
                float g = tw * ((z - act.a[k][zo + j]) - gamma * s.q[j]);
                worst = Math.max(worst, Math.abs(z - Math.min(upper, Math.max(lower, z - g))));
            }
        }
        if (soft(act, r)) {
            int o = r * stride[layers];
            worst = Math.max(worst, prox.kktResidual(act.a[layers], o, act.z[layers], o, act.target[r]));
        } else if (!clamped) {
            int sl = stride[layers];
            for (int j = 0; j < ops[layers - 1].outputs(); j++) {
                float g = termWeight[layers] * (act.z[layers][r * sl + j] - act.a[layers][r * sl + j]);
                worst = Math.max(worst, Math.abs(g));
            }
        }
        return worst;
    }
}
