package liftnet.gpu;

import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Units;

/**
 * A small double-precision reference of what the engines compute, one sample at a time, written from
 * DESIGN.md for the GPU tests: forward pass, the energy, red-black Jacobi with exact line search, KKT
 * residuals and the training gradients.
 */
public final class Reference {

    /** Activations of one sample: {@code z[0] = x}, {@code z[k], a[k]} for {@code k = 1..L}. */
    public static final class Act {
        public final double[][] z;
        public final double[][] a;
        public int sweeps;

        Act(int layers) {
            z = new double[layers + 1][];
            a = new double[layers + 1][];
        }
    }

    private final NetSpec net;
    private final Units units;
    private final double gamma;
    private final int L;
    private final double[][] w;
    private final double[][] b;

    public Reference(NetConfig config, Parameters p) {
        net = config.net();
        units = config.units();
        gamma = config.gamma();
        L = net.layers();
        w = new double[L][];
        b = new double[L][];
        for (int k = 0; k < L; k++) {
            w[k] = toDouble(p.weight(k));
            b[k] = toDouble(p.bias(k));
        }
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    /** {@code W_k v + b_k}. */
    double[] preact(int k, double[] v) {
        int m = net.width(k + 1);
        int n = net.width(k);
        double[] out = new double[m];
        for (int i = 0; i < m; i++) {
            double s = b[k][i];
            for (int j = 0; j < n; j++) {
                s += w[k][i * n + j] * v[j];
            }
            out[i] = s;
        }
        return out;
    }

    /** {@code W_k^T r}. */
    double[] backproject(int k, double[] r) {
        int m = net.width(k + 1);
        int n = net.width(k);
        double[] q = new double[n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                q[j] += w[k][i * n + j] * r[i];
            }
        }
        return q;
    }

    public Act forward(float[] x) {
        Act s = new Act(L);
        s.z[0] = toDouble(x);
        for (int k = 0; k < L; k++) {
            s.a[k + 1] = preact(k, s.z[k]);
            s.z[k + 1] = s.a[k + 1].clone();
            if (k < L - 1) {
                for (int i = 0; i < s.z[k + 1].length; i++) {
                    s.z[k + 1][i] = units.project(s.z[k + 1][i]);
                }
            }
        }
        return s;
    }

    public double energy(Act s) {
        double e = 0;
        double wgt = 1;
        for (int k = 1; k <= L; k++) {
            double sq = 0;
            for (int i = 0; i < s.z[k].length; i++) {
                double r = s.z[k][i] - s.a[k][i];
                sq += r * r;
            }
            e += wgt / 2 * sq;
            wgt *= gamma;
        }
        return e;
    }

    public double kkt(Act s, boolean free) {
        double res = 0;
        double wgt = 1;
        for (int k = 1; k < L; k++) {
            double[] r = new double[net.width(k + 1)];
            for (int i = 0; i < r.length; i++) {
                r[i] = s.z[k + 1][i] - s.a[k + 1][i];
            }
            double[] q = backproject(k, r);
            for (int j = 0; j < q.length; j++) {
                double g = wgt * ((s.z[k][j] - s.a[k][j]) - gamma * q[j]);
                res = Math.max(res, Math.abs(s.z[k][j] - units.project(s.z[k][j] - g)));
            }
            wgt *= gamma;
        }
        if (free) {
            for (int j = 0; j < s.z[L].length; j++) {
                res = Math.max(res, Math.abs(wgt * (s.z[L][j] - s.a[L][j])));
            }
        }
        return res;
    }

    /** Red-black Jacobi with exact line search from the forward pass; {@code label < 0}: free phase. */
    public Act solve(float[] x, int label, int maxSweeps, int rule, double tol) {
        Act s = forward(x);
        if (label >= 0) {
            for (int j = 0; j < s.z[L].length; j++) {
                s.z[L][j] = j == label ? 1 : 0;
            }
        }
        double eprev = energy(s);
        for (int sweep = 0; sweep < maxSweeps; sweep++) {
            for (int parity = 1; parity <= 2; parity++) {
                for (int k = parity; k < L; k += 2) {
                    step(s, k);
                }
            }
            if (label < 0) {
                s.z[L] = s.a[L].clone();
            }
            s.sweeps++;
            if (rule == 1) {
                double e = energy(s);
                boolean done = (eprev - e) / Math.max(e, 1e-30) < tol;
                eprev = e;
                if (done) {
                    break;
                }
            } else if (rule == 2 && kkt(s, label < 0) < tol) {
                break;
            }
        }
        return s;
    }

    private void step(Act s, int k) {
        int n = net.width(k);
        int m = net.width(k + 1);
        double[] r = new double[m];
        for (int i = 0; i < m; i++) {
            r[i] = s.z[k + 1][i] - s.a[k + 1][i];
        }
        double[] q = backproject(k, r);
        double[] delta = new double[n];
        double slope = 0;
        double curv = 0;
        for (int j = 0; j < n; j++) {
            double c = 0;
            for (int i = 0; i < m; i++) {
                c += w[k][i * n + j] * w[k][i * n + j];
            }
            double prop = units.project((s.a[k][j] + gamma * q[j] + gamma * c * s.z[k][j]) / (1 + gamma * c));
            delta[j] = prop - s.z[k][j];
            slope += (s.z[k][j] - s.a[k][j] - gamma * q[j]) * delta[j];
            curv += delta[j] * delta[j];
        }
        double[] d = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                d[i] += w[k][i * n + j] * delta[j];
            }
            curv += gamma * d[i] * d[i];
        }
        double t = curv > 0 ? Math.min(1, Math.max(0, -slope / curv)) : 0;
        for (int j = 0; j < n; j++) {
            s.z[k][j] += t * delta[j];
        }
        for (int i = 0; i < m; i++) {
            s.a[k + 1][i] += t * d[i];
        }
    }

    /** Adds {@code scale * dE/dtheta} at {@code s} to {@code g} (flattened parameter layout). */
    public void addEnergyGradient(Act s, double scale, double[] g) {
        int pos = 0;
        double wgt = 1;
        for (int k = 0; k < L; k++) {
            int m = net.width(k + 1);
            int n = net.width(k);
            for (int i = 0; i < m; i++) {
                double lam = s.z[k + 1][i] - s.a[k + 1][i];
                for (int j = 0; j < n; j++) {
                    g[pos + i * n + j] += scale * -wgt * lam * s.z[k][j];
                }
                g[pos + m * n + i] += scale * -wgt * lam;
            }
            pos += m * n + m;
            wgt *= gamma;
        }
    }

    /** Adds {@code scale *} the gradient of {@code 1/2 ||z_L - y||^2} through the forward pass to {@code g}. */
    public void addBackpropGradient(Act s, int label, double scale, double[] g) {
        double[] delta = new double[net.width(L)];
        for (int i = 0; i < delta.length; i++) {
            delta[i] = s.z[L][i] - (i == label ? 1 : 0);
        }
        int[] pos = new int[L];
        int p = 0;
        for (int k = 0; k < L; k++) {
            pos[k] = p;
            p += net.width(k + 1) * net.width(k) + net.width(k + 1);
        }
        for (int k = L - 1; k >= 0; k--) {
            int m = net.width(k + 1);
            int n = net.width(k);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    g[pos[k] + i * n + j] += scale * delta[i] * s.z[k][j];
                }
                g[pos[k] + m * n + i] += scale * delta[i];
            }
            if (k > 0) {
                double[] back = backproject(k, delta);
                for (int j = 0; j < n; j++) {
                    back[j] = units.strictlyInside((float) s.z[k][j]) ? back[j] : 0;
                }
                delta = back;
            }
        }
    }

    /** Argmax of the output layer. */
    public static int argmax(double[] v) {
        int best = 0;
        for (int j = 1; j < v.length; j++) {
            if (v[j] > v[best]) {
                best = j;
            }
        }
        return best;
    }
}
