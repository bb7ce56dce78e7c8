package liftnet.solve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import liftnet.api.OutputLoss;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The soft clamp's output subproblem: KKT residual at the solution, and minimality checked by perturbation. */
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
