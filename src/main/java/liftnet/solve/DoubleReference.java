package liftnet.solve;

import liftnet.api.ConvLayer;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Pooling;
import liftnet.api.Units;

/**
 * A plain double-precision implementation of one sample's free and clamped problems and of the gradients,
 * written for clarity, not speed. It resolves what float cannot: at {@code gamma = 1/256} the contrastive
 * gradient of a 4-layer net is {@code gamma^3 ~ 6e-8} times the back-propagated error, below float's
 * resolution of activations near 1. Used for the paper's Section 4 figure and as a reference in tests. A convolution is
 * held as its dense matrix, so its gradients come out dense, {@code [n_{k+1}][n_k]}: {@link ConvLayer#foldDense} turns
 * them into kernel gradients. A layer that pools its input is held as the matrix {@code W P} ({@link Pooling#compose}),
 * its gradient too: {@link Pooling#foldDense} turns it into the gradient of {@code W} (then, for a convolution,
 * {@link ConvLayer#foldDense}).
 */
public final class DoubleReference {

    private final NetSpec net;
    private final int layers;
    private final double gamma;
    private final Units units;
    private final double[][][] w;
    private final double[][] b;

    public DoubleReference(NetConfig config, Parameters p) {
        this.net = config.net();
        this.layers = net.layers();
        this.gamma = config.gamma();
        this.units = config.units();
        w = new double[layers][][];
        b = new double[layers][];
        for (int k = 0; k < layers; k++) {
            int rows = net.width(k + 1);
            int cols = net.pooledWidth(k);
            ConvLayer conv = net.conv(k);
            // A convolution as the dense matrix it is (ConvLayer#toDense), its bias repeated over the positions.
            w[k] = conv != null ? conv.toDense(p.weight(k)) : new double[rows][cols];
            int positions = conv != null ? rows / conv.filters() : 1;
            b[k] = new double[rows];
            for (int i = 0; i < rows; i++) {
                b[k][i] = p.bias(k)[i / positions];
                for (int j = 0; conv == null && j < cols; j++) {
                    w[k][i][j] = p.weight(k, i, j);
                }
            }
            Pooling pool = net.pooling(k);
            if (pool != null) {
                w[k] = pool.compose(w[k]);
            }
        }
    }

    /** Activations {@code z[0..L]} of one sample. */
    public double[][] forward(float[] x, int offset) {
        double[][] z = new double[layers + 1][];
        z[0] = new double[net.inputs()];
        for (int i = 0; i < z[0].length; i++) {
            z[0][i] = x[offset + i];
        }
        for (int k = 0; k < layers; k++) {
            double[] a = preActivation(z, k);
            z[k + 1] = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                z[k + 1][i] = k + 1 < layers ? units.project(a[i]) : a[i];
            }
        }
        return z;
    }

    /** {@code a_{k+1} = W_k z_k + b_k}. */
    public double[] preActivation(double[][] z, int k) {
        double[] a = b[k].clone();
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < z[k].length; j++) {
                a[i] += w[k][i][j] * z[k][j];
            }
        }
        return a;
    }

    /** {@code E(z; x) = sum_{k=0}^{L-1} gamma^k / 2 ||z_{k+1} - W_k z_k - b_k||^2}. */
    public double energy(double[][] z) {
        double e = 0;
        for (int k = 0; k < layers; k++) {
            double[] a = preActivation(z, k);
            double s = 0;
            for (int i = 0; i < a.length; i++) {
                s += (z[k + 1][i] - a[i]) * (z[k + 1][i] - a[i]);
            }
            e += 0.5 * Math.pow(gamma, k) * s;
        }
        return e;
    }

    /**
     * Gauss-Seidel from the forward pass until a sweep changes no activation by more than {@code tol}.
     *
     * @param target one-hot label for the clamped phase, or -1 for the free phase
     * @return the minimiser {@code z[0..L]}
     */
    public double[][] solve(float[] x, int offset, int target, int maxSweeps, double tol) {
        double[][] z = forward(x, offset);
        if (target >= 0) {
            java.util.Arrays.fill(z[layers], 0);
            z[layers][target] = 1;
        }
        for (int sweep = 0; sweep < maxSweeps; sweep++) {
            double change = 0;
            for (int k = 1; k < layers; k++) {
                double[] a = preActivation(z, k - 1);
                double[] r = preActivation(z, k);
                for (int i = 0; i < r.length; i++) {
                    r[i] = z[k + 1][i] - r[i];
                }
                for (int j = 0; j < z[k].length; j++) {
                    double q = 0;
                    double c = 0;
                    for (int i = 0; i < r.length; i++) {
                        q += w[k][i][j] * r[i];
                        c += w[k][i][j] * w[k][i][j];
                    }
                    double old = z[k][j];
                    double next = units.project((a[j] + gamma * q + gamma * c * old) / (1 + gamma * c));
                    double delta = next - old;
                    if (delta != 0) {
                        z[k][j] = next;
                        for (int i = 0; i < r.length; i++) {
                            r[i] -= w[k][i][j] * delta;
                        }
                        change = Math.max(change, Math.abs(delta));
                    }
                }
                if (target < 0 && k == layers - 1) {
                    z[layers] = preActivation(z, layers - 1);
                }
            }
            if (change <= tol) {
                break;
            }
        }
        return z;
    }

    /**
     * Adds {@code sign * dE/dtheta} at activations {@code z} to {@code gw}, {@code gb}:
     * {@code dE/dW_k = -gamma^k lambda_{k+1} z_k^T}, {@code dE/db_k = -gamma^k lambda_{k+1}}.
     */
    public void addEnergyGradient(double[][] z, double sign, double[][][] gw, double[][] gb) {
        for (int k = 0; k < layers; k++) {
            double[] lambda = preActivation(z, k);
            for (int i = 0; i < lambda.length; i++) {
                lambda[i] = z[k + 1][i] - lambda[i];
            }
            addOuter(-sign * Math.pow(gamma, k), lambda, z[k], gw[k], gb[k]);
        }
    }

    /** {@code gw += scale v u^T}, {@code gb += scale v}. */
    private static void addOuter(double scale, double[] v, double[] u, double[][] gw, double[] gb) {
        for (int i = 0; i < v.length; i++) {
            gb[i] += scale * v[i];
            for (int j = 0; j < u.length; j++) {
                gw[i][j] += scale * v[i] * u[j];
            }
        }
    }

    /** Adds the back-propagation gradient of {@code 1/2 ||z_L - y||^2} through the forward pass. */
    public void addBackpropGradient(float[] x, int offset, int label, double[][][] gw, double[][] gb) {
        double[][] z = forward(x, offset);
        double[] delta = new double[net.outputs()];
        for (int i = 0; i < delta.length; i++) {
            delta[i] = z[layers][i] - (i == label ? 1 : 0);
        }
        for (int k = layers - 1; k >= 0; k--) {
            addOuter(1, delta, z[k], gw[k], gb[k]);
            if (k > 0) {
                double[] a = preActivation(z, k - 1);
                double[] down = new double[z[k].length];
                for (int j = 0; j < down.length; j++) {
                    if (units.strictlyInside((float) a[j])) {
                        for (int i = 0; i < delta.length; i++) {
                            down[j] += w[k][i][j] * delta[i];
                        }
                    }
                }
                delta = down;
            }
        }
    }

    /** Zeroed gradient arrays shaped like the net: {@code [k][n_{k+1}][n_k]}. */
    public double[][][] zeroWeights() {
        double[][][] g = new double[layers][][];
        for (int k = 0; k < layers; k++) {
            g[k] = new double[net.width(k + 1)][net.width(k)];
        }
        return g;
    }

    /** Zeroed bias gradient arrays: {@code [k][n_{k+1}]}. */
    public double[][] zeroBiases() {
        double[][] g = new double[layers][];
        for (int k = 0; k < layers; k++) {
            g[k] = new double[net.width(k + 1)];
        }
        return g;
    }
}
