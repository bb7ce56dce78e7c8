package liftnet.train;

import liftnet.api.NetConfig;
import liftnet.api.OutputLoss;
import liftnet.api.Parameters;

/**
 * When symmetric nudging's negative phase, {@code min_z E(z; x) - beta l(z_L, y)}, is well posed: exactly when
 * {@code E - beta l} is convex in {@code z_1..z_L} jointly (the hidden sets {@code C} are full-dimensional, so
 * convexity on them is convexity of the quadratic part). With {@code g_k = gamma^k} the energy's Hessian is
 * block-tridiagonal, {@code H_kk = g_{k-1} I + g_k W_k^T W_k} ({@code k < L}), {@code H_LL = g I} with
 * {@code g = g_{L-1} = gamma^(L-1)}, {@code H_{k+1,k} = -g_k W_k}. Eliminating {@code z_1 .. z_{L-1}} layer by layer
 * (Schur complements, Woodbury) leaves on {@code z_L} the matrix {@code S_L = T_L^{-1}} with
 * <pre>
 * T_1 = I,   T_{k+1} = gamma^{-k} I + W_k T_k W_k^T,   i.e.   T_L = sum_{m=0}^{L-1} gamma^{-m} M_m M_m^T,
 * M_m = W_{L-1} W_{L-2} ... W_{m+1}   (M_{L-1} = I)
 * </pre>
 * ({@code T_L} is the output covariance of the Gaussian whose negative log-density is {@code E}). Since the block
 * of the hidden layers is positive definite, {@code H - beta (0 + H_l)} is positive semi-definite iff
 * {@code S_L - beta H_l(z_L)} is, for every {@code z_L}:
 * <ul>
 * <li>squared loss ({@code H_l = I}): {@code beta <= 1 / lambda_max(T_L)};</li>
 * <li>cross-entropy ({@code H_l = diag(p) - p p^T}, whose quadratic form is the variance of {@code w} under
 *     {@code p}, at most {@code (max w - min w)^2 / 4}): {@code beta <= 4 / max_{i != j} (T_ii + T_jj - 2 T_ij)};
 *     the solver's Newton step also needs {@code beta < g} ({@link liftnet.solve.OutputProx}).</li>
 * </ul>
 * Strict inequality makes the minimiser unique. As {@code T_L >= gamma^{-(L-1)} I}, the bound is below {@code g}
 * (squared); keeping only {@code m = L-1, L-2} gives the first-order form
 * {@code beta < g / (1 + gamma sigma_max(W_{L-1})^2)}, which the lower layers tighten. The bound moves as the
 * weights train, so the trainer computes it before every negative phase: {@code n_L} transposed products per layer,
 * taken together in one pass over the layer's taps (3 ms on the conv net {@code 1x28x28-c16k5s2-c32k3s2-64-10}, about
 * 4% of its symmetric step at batch 50 on one thread).
 */
public final class NudgeBound {

    /** Sweeps of the cyclic Jacobi eigenvalue method; it converges quadratically, a 10 x 10 matrix needs about 6. */
    private static final int JACOBI_SWEEPS = 50;

    private final NetConfig config;

    /** @param config the net and its soft clamp ({@link NetConfig#outputLoss()} not hard) */
    public NudgeBound(NetConfig config) {
        if (config.outputLoss().isHard()) {
            throw new IllegalArgumentException("the hard clamp has no negatively nudged phase");
        }
        this.config = config;
    }

    /** {@code g = gamma^(L-1)}, the top energy term's weight: bounds are reported relative to it. */
    public double g() {
        return config.termWeight(config.net().layers() - 1);
    }

    /**
     * The largest {@code beta} for which {@code E - beta l} is convex at the weights {@code p} (for cross-entropy also
     * at most {@code g}, the solver's limit).
     */
    public double bound(Parameters p) {
        double[][] t = outputCovariance(p);
        if (config.outputLoss().kind() == OutputLoss.Kind.SQUARED) {
            return 1 / largestEigenvalue(t);
        }
        double worst = 0;
        for (int i = 0; i < t.length; i++) {
            for (int j = i + 1; j < t.length; j++) {
                worst = Math.max(worst, t[i][i] + t[j][j] - 2 * t[i][j]);
            }
        }
        return Math.min(4 / worst, g());
    }

    /** {@code T_L = sum_m gamma^{-m} M_m M_m^T}, {@code [n_L][n_L]}, from rows {@code e_i^T M_m} taken down the layers. */
    public double[][] outputCovariance(Parameters p) {
        WeightMaps maps = new WeightMaps(p);
        int layers = config.net().layers();
        int n = config.net().outputs();
        double[][] t = new double[n][n];
        double[][] u = new double[n][];
        for (int i = 0; i < n; i++) {
            u[i] = new double[n];
            u[i][i] = 1;
        }
        for (int m = layers - 1; m >= 0; m--) {
            double inv = 1 / config.termWeight(m);
            for (int i = 0; i < n; i++) {
                for (int j = i; j < n; j++) {
                    double s = 0;
                    for (int q = 0; q < u[i].length; q++) {
                        s += u[i][q] * u[j][q];
                    }
                    t[i][j] += inv * s;
                    t[j][i] = t[i][j];
                }
            }
            if (m > 0) {
                double[][] next = new double[n][config.net().width(m)];
                maps.applyTransposed(m, u, next);
                u = next;
            }
        }
        return t;
    }

    /** The largest eigenvalue of the symmetric matrix {@code a} (not modified), by cyclic Jacobi rotations. */
    static double largestEigenvalue(double[][] a) {
        int n = a.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = a[i].clone();
        }
        for (int sweep = 0; sweep < JACOBI_SWEEPS; sweep++) {
            double off = 0;
            double diag = 0;
            for (int i = 0; i < n; i++) {
                diag += m[i][i] * m[i][i];
                for (int j = i + 1; j < n; j++) {
                    off += m[i][j] * m[i][j];
                }
            }
            if (off <= 1e-30 * diag) {
                break;
            }
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    if (m[i][j] == 0) {
                        continue;
                    }
                    double theta = (m[j][j] - m[i][i]) / (2 * m[i][j]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {
                        double mki = m[k][i];
                        double mkj = m[k][j];
                        m[k][i] = c * mki - s * mkj;
                        m[k][j] = s * mki + c * mkj;
                    }
                    for (int k = 0; k < n; k++) {
                        double mik = m[i][k];
                        double mjk = m[j][k];
                        m[i][k] = c * mik - s * mjk;
                        m[j][k] = s * mik + c * mjk;
                    }
                }
            }
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, m[i][i]);
        }
        return max;
    }
}
