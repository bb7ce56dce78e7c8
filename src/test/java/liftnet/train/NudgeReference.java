package liftnet.train;

import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.OutputLoss;
import liftnet.api.Parameters;
import liftnet.api.Units;
import liftnet.solve.OutputProx;

/**
 * A test-side double-precision reference for symmetric nudging on small dense nets, written for clarity: the nudged
 * problems {@code min_z E(z; x) + beta l(z_L, y)} for any sign of {@code beta} (0: the free phase), solved by exact
 * coordinate descent to rounding level, and the exact gradient of {@code l(z_L^free, y)} by implicit differentiation
 * with the energy's Hessian assembled densely and solved by Gaussian elimination (independent of
 * {@link ImplicitGradient}'s conjugate gradients). Gradients are flat arrays in the {@link Parameters} layout.
 */
final class NudgeReference {

    private static final int MAX_SWEEPS = 200_000;
    /** Coordinate descent stops when no variable moves by more than this. */
    private static final double SOLVE_TOL = 1e-15;

    private final NetSpec net;
    private final int layers;
    private final double gamma;
    private final Units units;
    private final OutputLoss.Kind kind;
    private final double[][][] w;
    private final double[][] b;

    NudgeReference(NetConfig config, Parameters p) {
        this.net = config.net();
        this.layers = net.layers();
        this.gamma = config.gamma();
        this.units = config.units();
        this.kind = config.outputLoss().kind();
        w = new double[layers][][];
        b = new double[layers][];
        for (int k = 0; k < layers; k++) {
            w[k] = new double[net.width(k + 1)][net.width(k)];
            b[k] = new double[net.width(k + 1)];
            for (int i = 0; i < w[k].length; i++) {
                for (int j = 0; j < w[k][i].length; j++) {
                    w[k][i][j] = p.weight(k, i, j);
                }
                b[k][i] = p.bias(k)[i];
            }
        }
    }

    private double g(int k) {
        return Math.pow(gamma, k);
    }

    private double[] pre(double[][] z, int k) {
        double[] a = b[k].clone();
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < z[k].length; j++) {
                a[i] += w[k][i][j] * z[k][j];
            }
        }
        return a;
    }

    /** {@code l(z, y)}. */
    double loss(double[] z, int y) {
        if (kind == OutputLoss.Kind.SQUARED) {
            double s = 0;
            for (int i = 0; i < z.length; i++) {
                double d = z[i] - (i == y ? 1 : 0);
                s += d * d;
            }
            return s / 2;
        }
        return OutputProx.logSumExp(z) - z[y];
    }

    /** {@code grad l(z, y)}. */
    double[] lossGradient(double[] z, int y) {
        double[] d = new double[z.length];
        double lse = kind == OutputLoss.Kind.SQUARED ? 0 : OutputProx.logSumExp(z);
        for (int i = 0; i < z.length; i++) {
            d[i] = (kind == OutputLoss.Kind.SQUARED ? z[i] : Math.exp(z[i] - lse)) - (i == y ? 1 : 0);
        }
        return d;
    }

    /** {@code E(z; x) + beta l(z_L, y)}. */
    double objective(double[][] z, int y, double beta) {
        double e = 0;
        for (int k = 0; k < layers; k++) {
            double[] a = pre(z, k);
            for (int i = 0; i < a.length; i++) {
                e += 0.5 * g(k) * (z[k + 1][i] - a[i]) * (z[k + 1][i] - a[i]);
            }
        }
        return beta == 0 ? e : e + beta * loss(z[layers], y);
    }

    /** The minimiser of {@link #objective} over {@code z_1..z_L}, from the forward pass. */
    double[][] solve(float[] x, int offset, int y, double beta) {
        double[][] z = new double[layers + 1][];
        z[0] = new double[net.inputs()];
        for (int i = 0; i < z[0].length; i++) {
            z[0][i] = x[offset + i];
        }
        for (int k = 0; k < layers; k++) {
            double[] a = pre(z, k);
            z[k + 1] = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                z[k + 1][i] = k + 1 < layers ? units.project(a[i]) : a[i];
            }
        }
        double g = g(layers - 1);
        OutputProx prox = beta == 0 ? null : new OutputProx(new OutputLoss(kind, beta), g, net.outputs());
        double[][] work = prox == null ? null : prox.newWork();
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double change = 0;
            for (int k = 1; k < layers; k++) {
                for (int j = 0; j < z[k].length; j++) {
                    // exact minimiser over z_kj: (a_kj + gamma (W_k^T r)_j + gamma c_j z_kj) / (1 + gamma c_j), projected
                    double[] a = pre(z, k - 1);
                    double[] up = pre(z, k);
                    double q = 0;
                    double c = 0;
                    for (int i = 0; i < up.length; i++) {
                        q += w[k][i][j] * (z[k + 1][i] - up[i]);
                        c += w[k][i][j] * w[k][i][j];
                    }
                    double next = units.project((a[j] + gamma * q + gamma * c * z[k][j]) / (1 + gamma * c));
                    change = Math.max(change, Math.abs(next - z[k][j]));
                    z[k][j] = next;
                }
            }
            double[] aL = pre(z, layers - 1);
            double[] old = z[layers].clone();
            if (prox == null) {
                z[layers] = aL;
            } else {
                prox.solve(aL, y, z[layers], work);
            }
            for (int i = 0; i < old.length; i++) {
                change = Math.max(change, Math.abs(z[layers][i] - old[i]));
            }
            if (change <= SOLVE_TOL) {
                break;
            }
        }
        return z;
    }

    /**
     * {@code gw += sign dE/dW}, {@code gb += sign dE/db} at {@code z}: {@code dE/dW_k = -g_k lambda_{k+1} z_k^T}.
     *
     * @param gw per layer, row-major {@code [n_{k+1} x n_k]}; modified
     * @param gb modified
     */
    void addEnergyGradient(double[][] z, double sign, double[][] gw, double[][] gb) {
        for (int k = 0; k < layers; k++) {
            double[] a = pre(z, k);
            for (int i = 0; i < a.length; i++) {
                double l = -sign * g(k) * (z[k + 1][i] - a[i]);
                gb[k][i] += l;
                for (int j = 0; j < z[k].length; j++) {
                    gw[k][i * z[k].length + j] += l * z[k][j];
                }
            }
        }
    }

    /**
     * Adds {@code scale} times the gradient of {@code l(z_L^free, y)} with respect to the parameters: with the free
     * solution {@code z*}, its inactive units {@code I} (strictly inside {@code C}; the output always), the Hessian
     * {@code H} of {@code E} on {@code I} and {@code u = -H_II^{-1} grad_z l}, it is {@code d/dt dE/dtheta(z* + t u)}.
     */
    void addExactGradient(float[] x, int offset, int y, double scale, double[][] gw, double[][] gb) {
        double[][] z = solve(x, offset, y, 0);
        int[] start = new int[layers + 2];
        for (int k = 1; k <= layers; k++) {
            start[k + 1] = start[k] + net.width(k);
        }
        int n = start[layers + 1];
        double[][] h = new double[n][n];
        for (int k = 0; k < layers; k++) {
            double gk = g(k);
            int rows = net.width(k + 1);
            for (int i = 0; i < rows; i++) {
                h[start[k + 1] + i][start[k + 1] + i] += gk;
            }
            if (k == 0) {
                continue;
            }
            int cols = net.width(k);
            for (int j = 0; j < cols; j++) {
                for (int m = 0; m < cols; m++) {
                    double s = 0;
                    for (int i = 0; i < rows; i++) {
                        s += w[k][i][j] * w[k][i][m];
                    }
                    h[start[k] + j][start[k] + m] += gk * s;
                }
                for (int i = 0; i < rows; i++) {
                    h[start[k + 1] + i][start[k] + j] -= gk * w[k][i][j];
                    h[start[k] + j][start[k + 1] + i] -= gk * w[k][i][j];
                }
            }
        }
        boolean[] active = new boolean[n];
        for (int k = 1; k < layers; k++) {
            for (int j = 0; j < z[k].length; j++) {
                active[start[k] + j] = !units.strictlyInside((float) z[k][j]);
            }
        }
        double[] rhs = new double[n];
        double[] dl = lossGradient(z[layers], y);
        for (int i = 0; i < dl.length; i++) {
            rhs[start[layers] + i] = -dl[i];
        }
        for (int i = 0; i < n; i++) {
            if (active[i]) {
                java.util.Arrays.fill(h[i], 0);
                for (int r = 0; r < n; r++) {
                    h[r][i] = 0;
                }
                h[i][i] = 1;
                rhs[i] = 0;
            }
        }
        double[] flat = gaussianElimination(h, rhs);
        double[][] u = new double[layers + 1][];
        u[0] = new double[net.inputs()];
        for (int k = 1; k <= layers; k++) {
            u[k] = java.util.Arrays.copyOfRange(flat, start[k], start[k + 1]);
        }
        for (int k = 0; k < layers; k++) {
            double[] a = pre(z, k);
            double gk = g(k);
            for (int i = 0; i < a.length; i++) {
                double wu = 0;
                for (int j = 0; j < z[k].length; j++) {
                    wu += w[k][i][j] * u[k][j];
                }
                double dLambda = u[k + 1][i] - wu;
                double lambda = z[k + 1][i] - a[i];
                gb[k][i] += scale * -gk * dLambda;
                for (int j = 0; j < z[k].length; j++) {
                    gw[k][i * z[k].length + j] += scale * -gk * (dLambda * z[k][j] + lambda * u[k][j]);
                }
            }
        }
    }

    /** {@code l(z_L^free, y)}. */
    double freeLoss(float[] x, int offset, int y) {
        return loss(solve(x, offset, y, 0)[layers], y);
    }

    /** Solves {@code a v = rhs} by Gaussian elimination with partial pivoting; {@code a} and {@code rhs} are overwritten. */
    static double[] gaussianElimination(double[][] a, double[] rhs) {
        int n = rhs.length;
        for (int c = 0; c < n; c++) {
            int pivot = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) {
                    pivot = r;
                }
            }
            double[] t = a[c];
            a[c] = a[pivot];
            a[pivot] = t;
            double tr = rhs[c];
            rhs[c] = rhs[pivot];
            rhs[pivot] = tr;
            for (int r = c + 1; r < n; r++) {
                double f = a[r][c] / a[c][c];
                if (f != 0) {
                    for (int k = c; k < n; k++) {
                        a[r][k] -= f * a[c][k];
                    }
                    rhs[r] -= f * rhs[c];
                }
            }
        }
        double[] v = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double s = rhs[r];
            for (int k = r + 1; k < n; k++) {
                s -= a[r][k] * v[k];
            }
            v[r] = s / a[r][r];
        }
        return v;
    }
}
