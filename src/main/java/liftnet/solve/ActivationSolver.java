package liftnet.solve;

import static liftnet.solve.VectorKernels.LANES;
import static liftnet.solve.VectorKernels.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import liftnet.api.NetConfig;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.StopRule;
import liftnet.api.Units;

/**
 * Minimises the energy of one sample at a time (rows are independent, so callers split a batch's rows
 * between threads):
 * <pre>
 * E(z; x) = 1/2 ||z_1 - a_1||^2 + sum_{k=1}^{L-1} gamma^k / 2 ||z_{k+1} - a_{k+1}||^2,  a_{k+1} = W_k z_k + b_k
 * </pre>
 * over hidden {@code z_k} in {@code C} and, in the free phase, the output {@code z_L}. The exact minimiser of
 * one unit, with {@code r = z_{k+1} - a_{k+1}}, {@code c_j = ||W_k[:, j]||^2}, is
 * {@code Proj_C((a_kj + gamma (W_k^T r)_j + gamma c_j z_kj) / (1 + gamma c_j))}.
 * <ul>
 * <li>{@link Solver#GAUSS_SEIDEL}: layers bottom-up, units one by one (the paper's solver).</li>
 * <li>{@link Solver#JACOBI}: odd hidden layers, then even ones (red-black); each layer moves all its units
 *     to their unit minimisers at once, along {@code Delta} with the exact step
 *     {@code t = clamp(-<g, Delta> / (||Delta||^2 + gamma ||W_k Delta||^2), 0, 1)}, so the energy never rises.</li>
 * </ul>
 * In the free phase {@code z_L = a_L} is restored after every update of layer {@code L-1} (its exact minimiser).
 */
public final class ActivationSolver {

    private static final double TINY_ENERGY = 1e-30;

    private final PaddedWeights w;
    private final int layers;
    private final float gamma;
    private final float lower;
    private final float upper;
    private final float[] termWeight;

    public ActivationSolver(NetConfig config, PaddedWeights weights) {
        this.w = weights;
        this.layers = weights.layers();
        this.gamma = (float) config.gamma();
        Units units = config.units();
        this.lower = units.lower();
        this.upper = units.upper();
        this.termWeight = PaddedWeights.termWeights(config);
    }

    /** Forward pass of row {@code r}: {@code z_{k+1} = Proj_C(a_{k+1})} for hidden layers, {@code z_L = a_L}. */
    public void forward(Activations act, int r) {
        for (int k = 0; k < layers; k++) {
            int sIn = w.stride[k];
            int sOut = w.stride[k + 1];
            VectorKernels.rowTimesMatrix(act.z[k], r * sIn, w.width[k], w.wt[k], sOut, w.b[k], act.a[k + 1], r * sOut);
            if (k + 1 < layers) {
                VectorKernels.project(act.a[k + 1], r * sOut, lower, upper, act.z[k + 1], r * sOut, sOut);
            } else {
                System.arraycopy(act.a[k + 1], r * sOut, act.z[k + 1], r * sOut, sOut);
            }
        }
    }

    /** Sets the output of row {@code r} to {@code onehot(label)}, the clamped phase's constraint. */
    public void clampOutput(Activations act, int r, int label) {
        int s = w.stride[layers];
        java.util.Arrays.fill(act.z[layers], r * s, (r + 1) * s, 0f);
        act.z[layers][r * s + label] = 1f;
    }

    /** {@code E(z; x)} of row {@code r}. */
    public double energy(Activations act, int r) {
        double e = 0;
        for (int m = 1; m <= layers; m++) {
            int s = w.stride[m];
            e += 0.5 * termWeight[m] * VectorKernels.squaredDistance(act.z[m], r * s, act.a[m], r * s, s);
        }
        return e;
    }

    /**
     * Solves row {@code r} from its current activations (the forward pass, output clamped or not).
     *
     * @param act     modified in row {@code r}: {@code z_1..z_L} and {@code a_2..a_L}
     * @param clamped whether {@code z_L} is fixed
     */
    public RowResult solve(Activations act, int r, boolean clamped, SolverConfig config, Scratch s) {
        double energy = energy(act, r);
        int sweeps = 0;
        double residual = Double.NaN;
        if (config.stop() == StopRule.KKT) {
            residual = kktResidual(act, r, clamped, s);
        }
        while (sweeps < config.maxSweeps()) {
            if (config.stop() == StopRule.KKT && residual <= config.tol()) {
                break;
            }
            if (config.solver() == Solver.JACOBI) {
                jacobiSweep(act, r, clamped, s);
            } else {
                gaussSeidelSweep(act, r, clamped, s);
            }
            sweeps++;
            double next = energy(act, r);
            double decrease = energy - next;
            energy = next;
            if (config.stop() == StopRule.ENERGY && decrease <= config.tol() * Math.max(next, TINY_ENERGY)) {
                break;
            }
            if (config.stop() == StopRule.KKT) {
                residual = kktResidual(act, r, clamped, s);
            }
        }
        return new RowResult(sweeps, residual, energy);
    }

    /** One red-black Jacobi sweep of row {@code r}: odd hidden layers, then even ones. */
    public void jacobiSweep(Activations act, int r, boolean clamped, Scratch s) {
        for (int parity = 1; parity >= 0; parity--) {
            for (int k = parity == 1 ? 1 : 2; k < layers; k += 2) {
                jacobiLayer(act, r, k, clamped, s);
            }
        }
    }

    private void jacobiLayer(Activations act, int r, int k, boolean clamped, Scratch s) {
        int sk = w.stride[k];
        int sn = w.stride[k + 1];
        int zo = r * sk;
        int no = r * sn;
        float[] z = act.z[k];
        float[] a = act.a[k];
        float[] zn = act.z[k + 1];
        float[] an = act.a[k + 1];
        boolean topFree = !clamped && k == layers - 1;
        if (topFree) {
            java.util.Arrays.fill(s.q, 0, sk, 0f);
        } else {
            for (int i = 0; i < sn; i += LANES) {
                FloatVector.fromArray(S, zn, no + i).sub(FloatVector.fromArray(S, an, no + i)).intoArray(s.residual, i);
            }
            VectorKernels.rowTimesMatrix(s.residual, 0, w.width[k + 1], w.w[k], sk, null, s.q, 0);
        }
        FloatVector g = FloatVector.broadcast(S, gamma);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector lo = FloatVector.broadcast(S, lower);
        FloatVector hi = FloatVector.broadcast(S, upper);
        FloatVector slope = FloatVector.zero(S);
        FloatVector step2 = FloatVector.zero(S);
        float[] c = w.c[k];
        for (int j = 0; j < sk; j += LANES) {
            FloatVector zj = FloatVector.fromArray(S, z, zo + j);
            FloatVector aj = FloatVector.fromArray(S, a, zo + j);
            FloatVector qj = FloatVector.fromArray(S, s.q, j);
            FloatVector gc = FloatVector.fromArray(S, c, j).mul(g);
            FloatVector proposal = aj.add(qj.mul(g)).add(gc.mul(zj)).div(one.add(gc)).max(lo).min(hi);
            FloatVector delta = proposal.sub(zj);
            delta.intoArray(s.delta, j);
            FloatVector grad = zj.sub(aj).sub(qj.mul(g));
            slope = grad.fma(delta, slope);
            step2 = delta.fma(delta, step2);
        }
        double sl = slope.reduceLanes(VectorOperators.ADD);
        double dd = step2.reduceLanes(VectorOperators.ADD);
        if (dd == 0) {
            return;
        }
        VectorKernels.rowTimesMatrix(s.delta, 0, w.width[k], w.wt[k], sn, null, s.d, 0);
        double wd = VectorKernels.squaredNorm(s.d, 0, sn);
        double h = dd + gamma * wd;
        float t = (float) Math.min(1.0, Math.max(0.0, -sl / h));
        if (t == 0f) {
            return;
        }
        VectorKernels.axpy(t, s.delta, 0, z, zo, sk);
        VectorKernels.axpy(t, s.d, 0, an, no, sn);
        if (topFree) {
            System.arraycopy(an, no, zn, no, sn);
        }
    }

    /** One Gauss-Seidel sweep of row {@code r}: hidden layers bottom-up, units in order. */
    public void gaussSeidelSweep(Activations act, int r, boolean clamped, Scratch s) {
        for (int k = 1; k < layers; k++) {
            int sk = w.stride[k];
            int sn = w.stride[k + 1];
            int zo = r * sk;
            int no = r * sn;
            float[] z = act.z[k];
            float[] a = act.a[k];
            float[] zn = act.z[k + 1];
            float[] an = act.a[k + 1];
            float[] wt = w.wt[k];
            float[] c = w.c[k];
            boolean topFree = !clamped && k == layers - 1;
            for (int j = 0; j < w.width[k]; j++) {
                float q = VectorKernels.dotOfDifference(zn, no, an, no, wt, j * sn, sn);
                float gc = gamma * c[j];
                float old = z[zo + j];
                float next = Math.min(upper, Math.max(lower, (a[zo + j] + gamma * q + gc * old) / (1f + gc)));
                float delta = next - old;
                if (delta != 0f) {
                    z[zo + j] = next;
                    VectorKernels.axpy(delta, wt, j * sn, an, no, sn);
                }
            }
            if (topFree) {
                System.arraycopy(an, no, zn, no, sn);
            }
        }
    }

    /**
     * KKT residual of row {@code r}: {@code max |z - Proj_C(z - g)|} over hidden units with
     * {@code g_kj = gamma^(k-1) ((z_kj - a_kj) - gamma (W_k^T r_k)_j)}, plus {@code max |gamma^(L-1)(z_L - a_L)|}
     * in the free phase.
     */
    public double kktResidual(Activations act, int r, boolean clamped, Scratch s) {
        double worst = 0;
        for (int k = 1; k < layers; k++) {
            int sk = w.stride[k];
            int sn = w.stride[k + 1];
            int zo = r * sk;
            int no = r * sn;
            for (int i = 0; i < sn; i++) {
                s.residual[i] = act.z[k + 1][no + i] - act.a[k + 1][no + i];
            }
            VectorKernels.rowTimesMatrix(s.residual, 0, w.width[k + 1], w.w[k], sk, null, s.q, 0);
            float tw = termWeight[k];
            for (int j = 0; j < w.width[k]; j++) {
                float z = act.z[k][zo + j];
                float g = tw * ((z - act.a[k][zo + j]) - gamma * s.q[j]);
                worst = Math.max(worst, Math.abs(z - Math.min(upper, Math.max(lower, z - g))));
            }
        }
        if (!clamped) {
            int sl = w.stride[layers];
            for (int j = 0; j < w.width[layers]; j++) {
                float g = termWeight[layers] * (act.z[layers][r * sl + j] - act.a[layers][r * sl + j]);
                worst = Math.max(worst, Math.abs(g));
            }
        }
        return worst;
    }
}
