package liftnet.solve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import liftnet.api.OutputLoss;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The soft clamp's output subproblem: KKT residual at the solution, minimality checked by perturbation, and for
 * cross-entropy agreement with a minimiser and an objective written apart from the class.
 */
class OutputProxTest {

    private static final int OUTPUTS = 10;
    /** Relative rise of the objective a random perturbation of size 1e-4 must at least not undercut. */
    private static final double TOL_OBJECTIVE = 1e-13;

    @ParameterizedTest
    @CsvSource({"squared, 0.001953125, 1", "squared, 0.125, 0.01", "squared, 1, 100",
            "cross-entropy, 0.001953125, 1", "cross-entropy, 0.001953125, 0.001", "cross-entropy, 0.125, 10",
            "cross-entropy, 1, 0.1", "cross-entropy, 0.001953125, 1000"})
    void solutionSatisfiesKktAndIsMinimal(String kind, double g, double beta) {
        OutputProx prox = new OutputProx(new OutputLoss(OutputLoss.Kind.parse(kind), beta), g, OUTPUTS);
        SplittableRandom r = new SplittableRandom(Double.hashCode(g * 31 + beta));
        double[][] work = prox.newWork();
        for (int trial = 0; trial < 50; trial++) {
            double[] a = new double[OUTPUTS];
            for (int i = 0; i < OUTPUTS; i++) {
                a[i] = 4 * r.nextGaussian();
            }
            int y = r.nextInt(OUTPUTS);
            double[] z = a.clone(); // the cold start
            int iterations = prox.solve(a, y, z, work);
            assertTrue(iterations < OutputProx.MAX_NEWTON, "Newton did not converge in " + iterations + " iterations");
            double kkt = prox.kktResidual(a, z, y);
            assertTrue(kkt <= 4 * OutputProx.TOL_GRADIENT * (g + beta), kind + " g " + g + " beta " + beta
                    + ": KKT residual " + kkt);
            double best = prox.objective(a, z, y);
            for (int p = 0; p < 20; p++) {
                double[] q = z.clone();
                for (int i = 0; i < OUTPUTS; i++) {
                    q[i] += 1e-4 * r.nextGaussian();
                }
                assertTrue(prox.objective(a, q, y) >= best - TOL_OBJECTIVE * (1 + Math.abs(best)),
                        "a perturbation lowered the objective below the solution's " + best);
            }
        }
    }

    /**
     * Cross-entropy checked apart from the class's own objective and KKT helpers: the minimiser of
     * {@code g/2 ||z - a||^2 + beta (logsumexp(z) - z_y)}, written out here, found by a different method (nested
     * bisection, see {@link #crossEntropyByBisection}), agrees with Newton's, and so does the objective.
     */
    @ParameterizedTest
    @CsvSource({"0.001953125, 1", "0.001953125, 0.001", "0.125, 10", "1, 0.1", "0.001953125, 1000"})
    void crossEntropyAgreesWithAnIndependentMinimiser(double g, double beta) {
        OutputProx prox = new OutputProx(new OutputLoss(OutputLoss.Kind.CROSS_ENTROPY, beta), g, OUTPUTS);
        SplittableRandom r = new SplittableRandom(Double.hashCode(g * 17 + beta));
        double[][] work = prox.newWork();
        for (int trial = 0; trial < 10; trial++) {
            double[] a = new double[OUTPUTS];
            for (int i = 0; i < OUTPUTS; i++) {
                a[i] = 4 * r.nextGaussian();
            }
            int y = r.nextInt(OUTPUTS);
            double[] z = a.clone();
            prox.solve(a, y, z, work);
            double[] expected = crossEntropyByBisection(a, y, g, beta);
            double fNewton = crossEntropyObjective(a, z, y, g, beta);
            double fBisection = crossEntropyObjective(a, expected, y, g, beta);
            String where = "g " + g + " beta " + beta + " trial " + trial;
            assertEquals(fBisection, fNewton, TOL_MINIMUM * (1 + Math.abs(fBisection)), where + ": objective");
            assertEquals(fNewton, prox.objective(a, z, y), TOL_MINIMUM * (1 + Math.abs(fNewton)), where + ": the class's objective");
            for (int i = 0; i < OUTPUTS; i++) {
                assertEquals(expected[i], z[i], TOL_MINIMISER * (1 + Math.abs(expected[i])), where + ": z[" + i + "]");
            }
        }
    }

    /** Relative agreement of two minima of the output subproblem found by different methods in double. */
    private static final double TOL_MINIMUM = 1e-12;
    /** Relative agreement of the two minimisers (2e-10 at worst measured): the objective is flat near its minimum. */
    private static final double TOL_MINIMISER = 1e-8;

    /** {@code g/2 ||z - a||^2 + beta (log sum_i exp(z_i) - z_y)}, written out apart from {@link OutputProx}. */
    private static double crossEntropyObjective(double[] a, double[] z, int y, double g, double beta) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < z.length; i++) {
            sum += Math.exp(z[i] - max);
            squares += (z[i] - a[i]) * (z[i] - a[i]);
        }
        return 0.5 * g * squares + beta * (max + Math.log(sum) - z[y]);
    }

    /**
     * The cross-entropy minimiser by nested bisection, without Newton's method. With {@code c = beta / g},
     * {@code b_i = a_i + c [i = y]} and {@code L = logsumexp(z)}, the optimality condition
     * {@code g (z_i - a_i) + beta (exp(z_i - L) - [i = y]) = 0} reads {@code z_i + c exp(z_i - L) = b_i}: for a given
     * {@code L} each {@code z_i(L)} is the root of an increasing function of {@code z_i}, and
     * {@code logsumexp(z(L)) - L} decreases strictly in {@code L} (each {@code dz_i/dL} lies in (0, 1)), so its root is
     * found by bisection too.
     */
    private static double[] crossEntropyByBisection(double[] a, int y, double g, double beta) {
        double c = beta / g;
        double[] b = a.clone();
        b[y] += c;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double v : b) {
            lo = Math.min(lo, v - c - 1);
            hi = Math.max(hi, v + Math.log(b.length) + 1);
        }
        double[] z = new double[b.length];
        for (int it = 0; it < 200 && hi - lo > 1e-15 * (1 + Math.abs(hi)); it++) {
            double mid = 0.5 * (lo + hi);
            if (logSumExpMinus(b, c, mid, z) > 0) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        logSumExpMinus(b, c, 0.5 * (lo + hi), z);
        return z;
    }

    /** Sets {@code z_i} to the root of {@code z + c exp(z - l) = b_i} and returns {@code logsumexp(z) - l}. */
    private static double logSumExpMinus(double[] b, double c, double l, double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < b.length; i++) {
            double hi = b[i]; // f(b_i) = c exp(b_i - l) > 0
            double lo = b[i] - 1;
            while (lo + c * Math.exp(lo - l) - b[i] > 0) {
                lo = b[i] - 2 * (b[i] - lo);
            }
            for (int it = 0; it < 200 && hi - lo > 1e-15 * (1 + Math.abs(hi)); it++) {
                double mid = 0.5 * (lo + hi);
                if (mid + c * Math.exp(mid - l) - b[i] > 0) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            z[i] = 0.5 * (lo + hi);
            max = Math.max(max, z[i]);
        }
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum) - l;
    }

    @Test
    void squaredHasTheClosedForm() {
        double g = 0.125;
        double beta = 3;
        OutputProx prox = new OutputProx(new OutputLoss(OutputLoss.Kind.SQUARED, beta), g, 3);
        double[] a = {0.5, -1, 2};
        double[] z = new double[3];
        prox.solve(a, 1, z, prox.newWork());
        assertEquals(g * 0.5 / (g + beta), z[0], 1e-15);
        assertEquals((g * -1 + beta) / (g + beta), z[1], 1e-15);
        assertEquals(g * 2 / (g + beta), z[2], 1e-15);
    }

    @Test
    void warmStartFromFloatRowsLowersTheObjective() {
        double g = 1.0 / 512;
        OutputProx prox = new OutputProx(new OutputLoss(OutputLoss.Kind.CROSS_ENTROPY, 1), g, OUTPUTS);
        float[] a = new float[2 * OUTPUTS];
        float[] z = new float[2 * OUTPUTS];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
            z[i] = a[i];
        }
        double[][] work = prox.newWork();
        double first = prox.solve(a, OUTPUTS, 3, z, OUTPUTS, work);
        assertTrue(first > 0, "the cold solve must lower the objective; decrease " + first);
        double again = prox.solve(a, OUTPUTS, 3, z, OUTPUTS, work);
        assertEquals(0, again, 1e-9, "a second solve from the solution must not move it");
        // float rounding of z bounds the residual: g |z| eps + beta eps
        assertTrue(prox.kktResidual(a, OUTPUTS, z, OUTPUTS, 3) < 1e-5, "float KKT residual");
        for (int i = 0; i < OUTPUTS; i++) {
            assertEquals(a[i], z[i], "row 0 must be left alone");
        }
    }

    @Test
    void hardClampHasNoSubproblem() {
        assertThrows(IllegalArgumentException.class, () -> new OutputProx(OutputLoss.HARD, 0.125, 10));
        assertThrows(IllegalArgumentException.class, () -> new OutputLoss(OutputLoss.Kind.CROSS_ENTROPY, Double.POSITIVE_INFINITY));
    }
}
