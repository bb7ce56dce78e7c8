package liftnet.train;

import java.util.function.UnaryOperator;

/**
 * Conjugate gradients for {@code H u = rhs} with {@code H} symmetric positive definite, on vectors split per layer
 * ({@code v[k]}, null entries skipped), for the double-precision references ({@link ImplicitGradient},
 * {@link ExactPhases}).
 */
final class ConjugateGradients {

    /** The solution and the iterations it took. */
    record Solution(double[][] u, int iterations) {
    }

    private ConjugateGradients() {
    }

    /**
     * From {@code u = 0} until the residual is below {@code tol ||rhs||} or after {@code maxIterations}.
     *
     * @param rhs not modified
     * @param h   {@code v -> H v}, a new array shaped like {@code v}
     */
    static Solution solve(double[][] rhs, UnaryOperator<double[][]> h, double tol, int maxIterations) {
        double[][] u = new double[rhs.length][];
        double[][] r = new double[rhs.length][];
        double[][] p = new double[rhs.length][];
        for (int k = 0; k < rhs.length; k++) {
            if (rhs[k] != null) {
                u[k] = new double[rhs[k].length];
                r[k] = rhs[k].clone();
                p[k] = rhs[k].clone();
            }
        }
        double rr = dot(r, r);
        double stop = tol * tol * rr;
        int it = 0;
        while (rr > stop && it < maxIterations) {
            double[][] hp = h.apply(p);
            double alpha = rr / dot(p, hp);
            for (int k = 0; k < u.length; k++) {
                for (int j = 0; u[k] != null && j < u[k].length; j++) {
                    u[k][j] += alpha * p[k][j];
                    r[k][j] -= alpha * hp[k][j];
                }
            }
            double next = dot(r, r);
            for (int k = 0; k < p.length; k++) {
                for (int j = 0; p[k] != null && j < p[k].length; j++) {
                    p[k][j] = r[k][j] + next / rr * p[k][j];
                }
            }
            rr = next;
            it++;
        }
        return new Solution(u, it);
    }

    private static double dot(double[][] a, double[][] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            for (int j = 0; a[k] != null && j < a[k].length; j++) {
                s += a[k][j] * b[k][j];
            }
        }
        return s;
    }
}
