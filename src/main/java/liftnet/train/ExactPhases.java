package liftnet.train;

import java.util.Arrays;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Units;

/**
 * The phases solved exactly, in double precision: the minimiser of {@code E(z; x) + beta/2 ||z_L - e_y||^2} over
 * {@code z_1..z_L} with the hidden units in {@code C = [lo, hi]}, for any {@code beta} below the convexity bound
 * ({@link NudgeBound}; 0 is the free phase, negative the negatively nudged one), or with {@code z_L = e_y}
 * ({@link #HARD_CLAMP}).
 * The problem is a strictly convex quadratic program, so a primal-dual active-set method ends at its KKT point: from the
 * forward pass, each iteration solves the quadratic on the units not held at a bound by conjugate gradients
 * ({@link #TOL_CG}), holds the units that left {@code C} at the bound they crossed and frees the held units whose
 * gradient points into {@code C}, until no unit changes. The float engines' phases stop at float rounding; these show
 * what the contrastive estimates are in exact arithmetic (the {@code gradients} command's {@code --exact-phases}), and
 * they are the reference the float engines' phases, energies and gradients are tested against. In exact arithmetic it
 * resolves what float cannot: at {@code gamma = 1/256} the contrastive gradient of a 4-layer net is
 * {@code gamma^3 ~ 6e-8} times the back-propagated error, below float's resolution of activations near 1 (the paper's
 * Section 4 figure). Convolutions and pooling are applied as their maps ({@link WeightMaps}), gradients are flat per
 * layer in the {@link Parameters} layout. Stateless apart from the weights read.
 */
public final class ExactPhases {

    /** Conjugate gradients stop at this residual relative to the right-hand side. */
    public static final double TOL_CG = 1e-12;
    /** The {@code beta} of the hard clamp, {@code z_L = e_y}. */
    public static final double HARD_CLAMP = Double.POSITIVE_INFINITY;
    private static final int MAX_CG = 20_000;
    /** Active-set iterations at most; each changes the set or ends. */
    private static final int MAX_ITERATIONS = 200;

    private final NetConfig config;
    private final WeightMaps maps;
    private final int layers;
    private final double[][] bias;
    private final double lo;
    private final double hi;

    /** @param config the net, gamma and units; its output loss is not read */
    public ExactPhases(NetConfig config, Parameters p) {
        this.config = config;
        this.maps = new WeightMaps(p);
        this.layers = config.net().layers();
        Units units = config.units();
        this.lo = units.lower();
        this.hi = units.upper();
        bias = new double[layers][];
        Arrays.setAll(bias, maps::unitBiases);
    }

    /**
     * The minimiser {@code z[0..L]} (input included) for sample {@code x[offset..]} with label {@code y}.
     *
     * @throws IllegalStateException when the active set has not settled after {@link #MAX_ITERATIONS} iterations
     */
    public double[][] solve(float[] x, int offset, int y, double beta) {
        double[][] z = forward(x, offset);
        if (beta == HARD_CLAMP) {
            Arrays.fill(z[layers], 0);
            z[layers][y] = 1;
        }
        boolean[][] held = new boolean[layers + 1][];
        for (int k = 1; k <= layers; k++) {
            held[k] = new boolean[z[k].length];
            for (int j = 0; j < z[k].length; j++) {
                held[k][j] = k < layers ? z[k][j] <= lo || z[k][j] >= hi : beta == HARD_CLAMP;
            }
        }
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            double[][] g = gradient(z, y, beta);
            for (int k = 1; k <= layers; k++) {
                for (int j = 0; j < g[k].length; j++) {
                    g[k][j] = held[k][j] ? 0 : -g[k][j];
                }
            }
            double[][] step = ConjugateGradients.solve(g, v -> hessianTimes(v, held, beta), TOL_CG, MAX_CG).u();
            for (int k = 1; k <= layers; k++) {
                for (int j = 0; j < z[k].length; j++) {
                    z[k][j] += step[k][j];
                }
            }
            g = gradient(z, y, beta);
            boolean changed = false;
            for (int k = 1; k < layers; k++) {
                for (int j = 0; j < z[k].length; j++) {
                    double v = z[k][j];
                    boolean leaves = !held[k][j] && (v < lo || v > hi);
                    boolean enters = held[k][j] && (v <= lo ? g[k][j] < 0 : g[k][j] > 0);
                    if (leaves) {
                        z[k][j] = v < lo ? lo : hi;
                    }
                    held[k][j] ^= leaves || enters;
                    changed |= leaves || enters;
                }
            }
            if (!changed) {
                return z;
            }
        }
        throw new IllegalStateException("the active set of an exact phase did not settle in " + MAX_ITERATIONS
                + " iterations (beta " + beta + ")");
    }

    /** The forward pass {@code z[0..L]}: {@code z_{k+1} = Proj_C(W_k z_k + b_k)}, the output not projected. */
    public double[][] forward(float[] x, int offset) {
        double[][] z = new double[layers + 1][];
        z[0] = new double[config.net().inputs()];
        for (int i = 0; i < z[0].length; i++) {
            z[0][i] = x[offset + i];
        }
        for (int k = 0; k < layers; k++) {
            z[k + 1] = residualOrPre(z, k, false);
            for (int i = 0; k + 1 < layers && i < z[k + 1].length; i++) {
                z[k + 1][i] = Math.min(hi, Math.max(lo, z[k + 1][i]));
            }
        }
        return z;
    }

    /** {@code E(z; x) = sum_k gamma^k / 2 ||z_{k+1} - W_k z_k - b_k||^2}. */
    public double energy(double[][] z) {
        double e = 0;
        for (int k = 0; k < layers; k++) {
            double s = 0;
            for (double r : residualOrPre(z, k, true)) {
                s += r * r;
            }
            e += 0.5 * config.termWeight(k) * s;
        }
        return e;
    }

    /** Zeroed weight gradients, {@code [k][}{@link NetSpec#weightCount}{@code (k)]}. */
    public static double[][] zeroWeights(NetSpec net) {
        double[][] g = new double[net.layers()][];
        Arrays.setAll(g, k -> new double[net.weightCount(k)]);
        return g;
    }

    /** Zeroed bias gradients, {@code [k][}{@link NetSpec#biasCount}{@code (k)]}. */
    public static double[][] zeroBiases(NetSpec net) {
        double[][] g = new double[net.layers()][];
        Arrays.setAll(g, k -> new double[net.biasCount(k)]);
        return g;
    }

    /**
     * Adds {@code scale dE/dtheta} at {@code z}: {@code dE/dW_k = -gamma^k lambda_{k+1} z_k^T} with
     * {@code lambda_{k+1} = z_{k+1} - W_k z_k - b_k}, {@code dE/db_k = -gamma^k lambda_{k+1}}; flat per layer in the
     * {@link Parameters} layout.
     *
     * @param gw modified
     * @param gb modified
     */
    public void addEnergyGradient(double[][] z, double scale, double[][] gw, double[][] gb) {
        for (int k = 0; k < layers; k++) {
            maps.accumulateGradient(k, residualOrPre(z, k, true), z[k], -scale * config.termWeight(k), gw[k], gb[k]);
        }
    }

    /** {@code z_{k+1} - W_k z_k - b_k} ({@code residual}) or {@code W_k z_k + b_k}. */
    private double[] residualOrPre(double[][] z, int k, boolean residual) {
        double[] a = new double[config.net().width(k + 1)];
        maps.apply(k, z[k], a);
        for (int i = 0; i < a.length; i++) {
            a[i] += bias[k][i];
            if (residual) {
                a[i] = z[k + 1][i] - a[i];
            }
        }
        return a;
    }

    /** The objective's gradient in {@code z_1..z_L}: {@code gamma^k lambda_{k+1}}, {@code -gamma^k W_k^T lambda_{k+1}}, {@code beta (z_L - e_y)}. */
    private double[][] gradient(double[][] z, int y, double beta) {
        double[][] out = new double[layers + 1][];
        for (int k = 1; k <= layers; k++) {
            out[k] = new double[z[k].length];
        }
        for (int k = 0; k < layers; k++) {
            maps.addResidualTerm(config, k, residualOrPre(z, k, true), out);
        }
        for (int i = 0; beta != HARD_CLAMP && i < out[layers].length; i++) {
            out[layers][i] += beta * (z[layers][i] - (i == y ? 1 : 0));
        }
        return out;
    }

    /** {@code H v} on the units not held (zero on the held ones): the gradient's linear part. */
    private double[][] hessianTimes(double[][] v, boolean[][] held, double beta) {
        double[][] out = new double[layers + 1][];
        for (int k = 1; k <= layers; k++) {
            out[k] = new double[v[k].length];
        }
        maps.addEnergyHessianTimes(config, layers, v, out);
        for (int k = 1; k <= layers; k++) {
            for (int j = 0; j < out[k].length; j++) {
                out[k][j] = held[k][j] ? 0 : out[k][j] + (k == layers ? beta * v[k][j] : 0);
            }
        }
        return out;
    }
}
