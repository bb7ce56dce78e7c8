package liftnet.train;

import liftnet.api.NetConfig;
import liftnet.api.OutputLoss;
import liftnet.api.Parameters;
import liftnet.api.Units;

/**
 * The gradients the contrastive estimates are measured against, in double precision, per sample:
 * <ul>
 * <li>{@link #addExact}: the exact gradient of {@code l(z_L^free, y)} with respect to the parameters, through the free
 *     solution {@code z*} by implicit differentiation. At {@code z*} the top term vanishes ({@code z_L = a_L}) for
 *     any {@code z_{L-1}}, so {@code z_1..z_{L-1}} minimise the energy {@code E'} of the terms {@code 0..L-2}, which
 *     does not involve {@code W_{L-1}}: with {@code d = grad l(z_L*)},
 *     <pre>
 * dl/dW_{L-1} = d z_{L-1}*^T,   dl/db_{L-1} = d,
 * dl/dtheta_k = d/dt dE'/dtheta_k (z* + t u)  (k < L-1),   H' u = -(0, .., 0, W_{L-1}^T d)
 *     </pre>
 *     with {@code H'} the Hessian of {@code E'} on the units strictly inside {@code C} (the others are held at their
 *     bound, {@code u = 0}: the active set is locally constant), solved by conjugate gradients; and
 *     {@code d/dt dE'/dW_k = -gamma^k ((u_{k+1} - W_k u_k) z_k^T + lambda_{k+1} u_k^T)}.</li>
 * <li>{@link #addBackprop}: back-propagation's gradient of {@code l(z_L, y)} at the forward pass.</li>
 * </ul>
 * Convolutions and pooling are applied as their maps ({@link WeightMaps}). Gradients are flat per layer in the
 * {@link Parameters} layout, {@code gw[k]}, {@code gb[k]}, added to (modified).
 */
public final class ImplicitGradient {

    /** Conjugate gradients stop at this residual relative to the right-hand side. */
    public static final double TOL_CG = 1e-10;
    private static final int MAX_CG = 20_000;

    private final NetConfig config;
    private final WeightMaps maps;
    private final OutputLoss.Kind loss;
    private final int layers;
    private long iterations;
    private long solves;

    /**
     * @param loss the output loss {@code l} whose gradient is taken
     */
    public ImplicitGradient(NetConfig config, Parameters p, OutputLoss.Kind loss) {
        this.config = config;
        this.maps = new WeightMaps(p);
        this.loss = loss;
        this.layers = config.net().layers();
    }

    /** Mean conjugate-gradient iterations per sample so far. */
    public double meanIterations() {
        return solves == 0 ? 0 : (double) iterations / solves;
    }

    /** {@code grad l(z, y)}: {@code z - e_y} (squared) or {@code softmax(z) - e_y} (cross-entropy). */
    double[] lossGradient(double[] z, int y) {
        double[] d = new double[z.length];
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        for (int i = 0; i < z.length; i++) {
            double p = loss == OutputLoss.Kind.SQUARED ? z[i] : Math.exp(z[i] - max) / sum;
            d[i] = p - (i == y ? 1 : 0);
        }
        return d;
    }

    /**
     * Adds {@code scale} times the exact gradient of {@code l(z_L*, y)}.
     *
     * @param z the free solution {@code z*[0..L]} (input included); not modified
     */
    public void addExact(double[][] z, int y, double scale, double[][] gw, double[][] gb) {
        double[] d = lossGradient(z[layers], y);
        maps.accumulateGradient(layers - 1, d, z[layers - 1], scale, gw[layers - 1], gb[layers - 1]);
        if (layers == 1) {
            return;
        }
        Units units = config.units();
        boolean[][] free = new boolean[layers][];
        for (int k = 1; k < layers; k++) {
            free[k] = new boolean[z[k].length];
            for (int j = 0; j < z[k].length; j++) {
                free[k][j] = units.strictlyInside((float) z[k][j]);
            }
        }
        double[][] rhs = new double[layers][];
        for (int k = 1; k < layers; k++) {
            rhs[k] = new double[z[k].length];
        }
        maps.applyTransposed(layers - 1, d, rhs[layers - 1]);
        for (int j = 0; j < rhs[layers - 1].length; j++) {
            rhs[layers - 1][j] = free[layers - 1][j] ? -rhs[layers - 1][j] : 0;
        }
        double[][] u = conjugateGradients(rhs, free);
        for (int k = 0; k < layers - 1; k++) {
            double g = config.termWeight(k);
            double[] wz = new double[z[k + 1].length];
            double[] wu = new double[z[k + 1].length];
            maps.apply(k, z[k], wz);
            if (k > 0) {
                maps.apply(k, u[k], wu);
            }
            double[] dLambda = new double[wz.length];
            double[] lambda = new double[wz.length];
            double[] bias = maps.unitBiases(k);
            for (int i = 0; i < wz.length; i++) {
                dLambda[i] = u[k + 1][i] - wu[i];
                lambda[i] = z[k + 1][i] - wz[i] - bias[i];
            }
            maps.accumulateGradient(k, dLambda, z[k], -scale * g, gw[k], gb[k]);
            if (k > 0) {
                // the bias term of d/dt is dLambda's alone: accumulate lambda u_k^T into the weights only
                double[] noBias = new double[gb[k].length];
                maps.accumulateGradient(k, lambda, u[k], -scale * g, gw[k], noBias);
            }
        }
    }

    /** {@code H' u = rhs} on the free units by conjugate gradients, {@code u} zero elsewhere; layers {@code 1..L-1}. */
    private double[][] conjugateGradients(double[][] rhs, boolean[][] free) {
        ConjugateGradients.Solution s = ConjugateGradients.solve(rhs, v -> hessianTimes(v, free), TOL_CG, MAX_CG);
        iterations += s.iterations();
        solves++;
        return s.u();
    }

    /**
     * {@code H' v} with the inactive units masked: with {@code r_k = v_{k+1} - W_k v_k} ({@code v_0 = 0}) for the terms
     * {@code k = 0..L-2}, {@code (H' v)_{k+1} += gamma^k r_k}, {@code (H' v)_k -= gamma^k W_k^T r_k}.
     */
    private double[][] hessianTimes(double[][] v, boolean[][] free) {
        double[][] out = new double[layers][];
        for (int k = 1; k < layers; k++) {
            out[k] = new double[v[k].length];
        }
        maps.addEnergyHessianTimes(config, layers - 1, v, out);
        for (int k = 1; k < layers; k++) {
            for (int j = 0; j < out[k].length; j++) {
                if (!free[k][j]) {
                    out[k][j] = 0;
                }
            }
        }
        return out;
    }

    /**
     * Adds {@code scale} times back-propagation's gradient of {@code l(z_L, y)} at the forward pass {@code z[0..L]}:
     * {@code delta_L = grad l}, {@code delta_k = (W_k^T delta_{k+1}) * [z_k strictly inside C]},
     * {@code dl/dW_k = delta_{k+1} z_k^T}.
     */
    public void addBackprop(double[][] z, int y, double scale, double[][] gw, double[][] gb) {
        double[] delta = lossGradient(z[layers], y);
        for (int k = layers - 1; k >= 0; k--) {
            maps.accumulateGradient(k, delta, z[k], scale, gw[k], gb[k]);
            if (k > 0) {
                double[] down = new double[z[k].length];
                maps.applyTransposed(k, delta, down);
                for (int j = 0; j < down.length; j++) {
                    if (!config.units().strictlyInside((float) z[k][j])) {
                        down[j] = 0;
                    }
                }
                delta = down;
            }
        }
    }
}
