package liftnet.solve;

import liftnet.api.OutputLoss;

/**
 * The output layer's convex subproblem in a soft clamp ({@link OutputLoss}): with the pre-activation
 * {@code a = a_L}, the top term's weight {@code g = gamma^(L-1)}, the clamp weight {@code beta} and the label
 * {@code y},
 * <pre>
 * z* = argmin_z  g/2 ||z - a||^2 + beta l(z, y)      KKT: g (z - a) + beta grad l(z) = 0
 * </pre>
 * <ul>
 * <li>squared, {@code l = 1/2 ||z - e_y||^2}: {@code z* = (g a + beta e_y) / (g + beta)}, exactly;</li>
 * <li>cross-entropy, {@code l = logsumexp(z) - z_y}, {@code grad l = softmax(z) - e_y}: damped Newton in double
 *     from the current {@code z} (a warm start; full steps once the Newton decrement is tiny), with the Hessian {@code g I + beta (diag(p) - p p^T)} inverted by
 *     Sherman-Morrison, until {@code max |g (z - a) + beta grad l| <= TOL_GRADIENT (g + |beta|)}.</li>
 * </ul>
 * The negatively nudged phase of symmetric nudging uses the same formulas with {@code beta < 0}
 * ({@link OutputLoss#negated()}): its subproblem is strictly convex for {@code |beta| < g} (squared: Hessian
 * {@code (g - |beta|) I}; cross-entropy: at least {@code g - |beta| / 2}, and {@code |beta| < g} keeps the diagonal
 * {@code g + beta p_i} of the Sherman-Morrison step positive), which the constructor requires.
 * Stateless apart from its settings; callers pass the work arrays, so one instance serves every thread.
 */
public final class OutputProx {

    /** Stop of the Newton iteration: largest KKT gradient component relative to {@code g + |beta|}. */
    public static final double TOL_GRADIENT = 1e-13;
    /** Newton iterations at most; a warm start needs two or three, a cold one from {@code z = a} about ten. */
    static final int MAX_NEWTON = 100;
    /** Armijo constant of the backtracking line search. */
    private static final double ARMIJO = 1e-4;
    /** Smallest step the backtracking tries before it gives up (the gradient is then at rounding level). */
    private static final double MIN_STEP = 1e-12;
    /**
     * Newton decrement squared, relative to the objective, below which the full step is taken without a line search:
     * the objective's decrease is then at its rounding level, where the Armijo test cannot tell, while Newton's
     * local quadratic convergence still shrinks the gradient.
     */
    private static final double LOCAL_DECREMENT = 1e-10;

    private final OutputLoss loss;
    private final double g;
    private final double beta;
    private final int n;

    /**
     * @param loss    a soft clamp (not {@link OutputLoss#HARD}); a negative one needs {@code |beta| < g}
     * @param g       weight of the top energy term, {@code gamma^(L-1)}
     * @param outputs {@code n_L}
     */
    public OutputProx(OutputLoss loss, double g, int outputs) {
        if (loss.isHard()) {
            throw new IllegalArgumentException("the hard clamp has no output subproblem: z_L = onehot(y)");
        }
        if (loss.isNegative() && !(g + loss.weight() > 0)) {
            throw new IllegalArgumentException("the negatively nudged output subproblem needs beta < g = gamma^(L-1) = " + g
                    + "; found beta " + -loss.weight() + " (" + (-loss.weight() / g) + " g)");
        }
        this.loss = loss;
        this.g = g;
        this.beta = loss.weight();
        this.n = outputs;
    }

    /** Work arrays for {@link #solve}: four rows of {@code n_L} doubles. */
    public double[][] newWork() {
        return new double[4][n];
    }

    /** {@code beta l(z, y)} of the {@code n_L} values {@code z[zo..]}. */
    public double weightedLoss(float[] z, int zo, int y) {
        return beta * loss(z, zo, y);
    }

    /** {@code l(z, y)} of the {@code n_L} values {@code z[zo..]}. */
    public double loss(float[] z, int zo, int y) {
        return loss(toDouble(z, zo, new double[n]), y);
    }

    /** {@code out = x[xo .. xo + n_L)} in double; returns {@code out} (modified). */
    private double[] toDouble(float[] x, int xo, double[] out) {
        for (int i = 0; i < n; i++) {
            out[i] = x[xo + i];
        }
        return out;
    }

    /** {@code l(z, y)}. */
    public double loss(double[] z, int y) {
        if (loss.kind() == OutputLoss.Kind.SQUARED) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                double d = z[i] - (i == y ? 1 : 0);
                s += d * d;
            }
            return 0.5 * s;
        }
        return logSumExp(z) - z[y];
    }

    /** {@code g/2 ||z - a||^2 + beta l(z, y)}: the part of the soft-clamped objective that involves {@code z_L}. */
    public double objective(double[] a, double[] z, int y) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += (z[i] - a[i]) * (z[i] - a[i]);
        }
        return 0.5 * g * s + beta * loss(z, y);
    }

    /**
     * Replaces {@code z[zo..zo+n_L)} by the minimiser for {@code a[ao..]}, and returns by how much the objective
     * {@link #objective} fell (at least 0 up to rounding).
     *
     * @param z    modified; its values are the cross-entropy's warm start
     * @param work from {@link #newWork()}; overwritten
     */
    public double solve(float[] a, int ao, int y, float[] z, int zo, double[][] work) {
        double[] ad = toDouble(a, ao, work[0]);
        double[] zd = toDouble(z, zo, work[1]);
        double before = objective(ad, zd, y);
        solve(ad, y, zd, work);
        for (int i = 0; i < n; i++) {
            z[zo + i] = (float) zd[i];
        }
        return before - objective(ad, toDouble(z, zo, zd), y);
    }

    /**
     * In double: {@code z} becomes the minimiser for {@code a}.
     *
     * @param a    not modified
     * @param z    modified; the start of the Newton iteration (cross-entropy)
     * @param work rows 2 and 3 are overwritten (rows 0 and 1 may be {@code a} and {@code z})
     * @return Newton iterations run (0 for the squared loss)
     */
    public int solve(double[] a, int y, double[] z, double[][] work) {
        if (loss.kind() == OutputLoss.Kind.SQUARED) {
            for (int i = 0; i < n; i++) {
                z[i] = (g * a[i] + beta * (i == y ? 1 : 0)) / (g + beta);
            }
            return 0;
        }
        double[] grad = work[2];
        double[] trial = work[3];
        double[] p = new double[n];
        int it = 0;
        for (; it < MAX_NEWTON; it++) {
            softmax(z, p);
            double worst = 0;
            for (int i = 0; i < n; i++) {
                grad[i] = g * (z[i] - a[i]) + beta * (p[i] - (i == y ? 1 : 0));
                worst = Math.max(worst, Math.abs(grad[i]));
            }
            if (worst <= TOL_GRADIENT * (g + Math.abs(beta))) {
                break;
            }
            // Newton direction d = -H^{-1} grad, H = M - beta p p^T with M = diag(g + beta p_i)
            double pu = 0;
            double pv = 0;
            for (int i = 0; i < n; i++) {
                double m = g + beta * p[i];
                pu += p[i] * grad[i] / m;
                pv += p[i] * p[i] / m;
            }
            double coupling = beta * pu / (1 - beta * pv);
            double slope = 0;
            for (int i = 0; i < n; i++) {
                double m = g + beta * p[i];
                grad[i] = -(grad[i] + coupling * p[i]) / m; // grad now holds the direction
                slope += grad[i] * (g * (z[i] - a[i]) + beta * (p[i] - (i == y ? 1 : 0)));
            }
            double f = objective(a, z, y);
            if (-slope <= LOCAL_DECREMENT * (1 + Math.abs(f))) {
                for (int i = 0; i < n; i++) {
                    z[i] += grad[i];
                }
                continue;
            }
            double t = 1;
            boolean moved = false;
            while (t >= MIN_STEP) {
                for (int i = 0; i < n; i++) {
                    trial[i] = z[i] + t * grad[i];
                }
                if (objective(a, trial, y) <= f + ARMIJO * t * slope) {
                    System.arraycopy(trial, 0, z, 0, n);
                    moved = true;
                    break;
                }
                t *= 0.5;
            }
            if (!moved) {
                break;
            }
        }
        return it;
    }

    /**
     * {@code max_i |g (z_i - a_i) + beta (grad l(z))_i|}, the KKT residual of the output subproblem at {@code z}.
     */
    public double kktResidual(double[] a, double[] z, int y) {
        double[] p = new double[n];
        if (loss.kind() == OutputLoss.Kind.CROSS_ENTROPY) {
            softmax(z, p);
        } else {
            System.arraycopy(z, 0, p, 0, n);
        }
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double r = g * (z[i] - a[i]) + beta * (p[i] - (i == y ? 1 : 0));
            worst = Math.max(worst, Math.abs(r));
        }
        return worst;
    }

    /** {@link #kktResidual(double[], double[], int)} of float rows. */
    public double kktResidual(float[] a, int ao, float[] z, int zo, int y) {
        return kktResidual(toDouble(a, ao, new double[n]), toDouble(z, zo, new double[n]), y);
    }

    /** {@code log sum_i exp(z_i)}, shifted by the maximum so that nothing overflows. */
    public static double logSumExp(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double s = 0;
        for (double v : z) {
            s += Math.exp(v - max);
        }
        return max + Math.log(s);
    }

    private static void softmax(double[] z, double[] p) {
        double lse = logSumExp(z);
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(z[i] - lse);
        }
    }
}
