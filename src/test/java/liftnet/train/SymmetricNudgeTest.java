package liftnet.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import liftnet.GradientCheck;
import liftnet.TestNets;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Nudge;
import liftnet.api.OutputLoss;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.cpu.CpuEngine;
import liftnet.data.Dataset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Symmetric nudging on the CPU engines against its definition and an independent double reference
 * ({@link NudgeReference}): the gradient is that of {@code (E*(beta) - E*(-beta)) / 2}; divided by {@code beta} it
 * approaches the exact gradient of {@code l(z_L^free, y)} with an error that shrinks like {@code beta^2}, the one-sided
 * estimate's like {@code beta}; the negative phase satisfies its KKT conditions; and {@link NudgeBound} is the exact
 * convexity bound, which the trainer enforces.
 */
class SymmetricNudgeTest {

    private static final SolverConfig CONVERGED = SolverConfig.fixed(Solver.JACOBI, 600);
    private static final String NET = "8-6-5-4";
    private static final int BATCH = 8;
    private static final double GAMMA = 0.5;
    /** Central-difference step of the finite-difference check, and its tolerance (as in the engine contract). */
    private static final double STEP = 1e-2;
    private static final double TOL_FINITE_DIFFERENCE = 2e-2;
    /**
     * Relative rounding of a float engine's minimum energies: a central difference of the loss carries about this times
     * the energies' size divided by the step, on top of its relative tolerance.
     */
    private static final double TOL_ENERGY_ROUNDING = 1e-6;
    /** Halving beta divides the one-sided estimate's error by about 2 and the symmetric one's by about 4. */
    private static final double ONE_SIDED_LOW = 1.6;
    private static final double ONE_SIDED_HIGH = 2.4;
    private static final double SYMMETRIC_LOW = 3.2;
    private static final double SYMMETRIC_HIGH = 4.8;
    /** The small gamma of {@link #symmetricEstimateIsAsAccurateAsItsFloatPhases}, and the estimate's relative error there. */
    private static final double SMALL_GAMMA = 1.0 / 16;
    private static final double TOL_SYMMETRIC_ESTIMATE = 1e-5;
    /** Relative distance from the bound at which the Hessian's definiteness is checked (Cholesky in double). */
    private static final double TOL_BOUND = 1e-4;
    /** Agreement of the negative phase's energies with the double reference's minimum (float engine). */
    private static final double TOL_ENERGY = 1e-5;

    private static NetConfig soft(String net, Units units, String loss, double beta) {
        return new NetConfig(NetSpec.parse(net), units, GAMMA, new OutputLoss(OutputLoss.Kind.parse(loss), beta));
    }

    private static Engine engine(NetConfig config, Parameters p, Dataset data) {
        Engine e = new CpuEngine(config, 1);
        e.setParameters(p);
        DeviceData d = e.upload(data);
        e.selectBatch(d, TestNets.identity(data.count()), 0, data.count());
        e.forward();
        return e;
    }

    /** The engine's gradient: symmetric (free, clamped, negative) or one-sided (free, clamped). */
    static Parameters gradient(NetConfig config, Parameters p, Dataset data, Nudge nudge) {
        try (Engine e = engine(config, p, data)) {
            e.inferFree(CONVERGED);
            e.inferClamped(CONVERGED);
            if (nudge == Nudge.SYMMETRIC) {
                e.inferNegative(CONVERGED);
            }
            e.computeGradient(Method.CONTRASTIVE);
            return e.gradient();
        }
    }

    /** {@code mean (E*(beta) - E*(-beta)) / 2} on the engine. */
    private static double symmetricLoss(NetConfig config, Parameters p, Dataset data) {
        try (Engine e = engine(config, p, data)) {
            e.inferFree(CONVERGED);
            e.inferClamped(CONVERGED);
            e.inferNegative(CONVERGED);
            return (TestNets.mean(e.energies(Phase.CLAMPED)) - TestNets.mean(e.energies(Phase.NEGATIVE))) / 2;
        }
    }

    @ParameterizedTest
    @CsvSource({"8-6-5-4, squared, relu", "8-6-5-4, cross-entropy, relu", "8-6-5-4, squared, hardsigmoid",
        "8-6-5-4, cross-entropy, linear", "1x6x6-c3k3s2-5-4, squared, relu"})
    void symmetricGradientMatchesFiniteDifferencesOfItsLoss(String net, String loss, String units) {
        NetConfig probe = soft(net, Units.parse(units), loss, 1);
        Parameters p = TestNets.random(probe.net(), 17, 1.5, 0.3);
        double beta = 0.9 * new NudgeBound(probe).bound(p);
        NetConfig config = probe.withOutputLoss(new OutputLoss(probe.outputLoss().kind(), beta));
        Dataset data = TestNets.randomData(config.net(), BATCH, 18);
        Parameters g = gradient(config, p, data, Nudge.SYMMETRIC);
        double rounding;
        try (Engine e = engine(config, p, data)) {
            e.inferClamped(CONVERGED);
            rounding = TOL_ENERGY_ROUNDING * Math.abs(TestNets.mean(e.energies(Phase.CLAMPED))) / STEP;
        }
        for (int k = 0; k < config.net().layers(); k++) {
            for (boolean bias : new boolean[] {false, true}) {
                Parameters d = GradientCheck.direction(config.net(), k, bias, 31L * k + (bias ? 7 : 0));
                double analytic = GradientCheck.dot(g, d);
                double numeric = GradientCheck.centralDifference(q -> symmetricLoss(config, q, data), p, d, STEP);
                assertEquals(analytic, numeric, TOL_FINITE_DIFFERENCE * Math.abs(analytic) + rounding,
                        net + " " + loss + " " + units + " beta " + beta + " d/d" + (bias ? "b" : "W") + k);
            }
        }
    }

    /**
     * {@code ||g(beta) / beta - g*|| / ||g*||} for {@code beta = bound/4, bound/8, bound/16}, {@code g*} the exact
     * gradient of {@code l(z_L^free)} from the reference: the ratios of consecutive errors are about 2 (one-sided) and
     * 4 (symmetric). Linear units, so that the nudged solutions are smooth in {@code beta}.
     */
    @ParameterizedTest
    @CsvSource({"squared", "cross-entropy"})
    void halvingBetaHalvesTheOneSidedErrorAndQuartersTheSymmetricOne(String loss) {
        NetConfig probe = soft(NET, Units.LINEAR, loss, 1);
        Parameters p = TestNets.random(probe.net(), 41, 1.2, 0.3);
        Dataset data = TestNets.randomData(probe.net(), BATCH, 42);
        double bound = new NudgeBound(probe).bound(p);
        double[] exact = exactGradient(probe, p, data);
        double[] betas = {bound / 4, bound / 8, bound / 16};
        double[][] errors = new double[2][betas.length];
        for (int i = 0; i < betas.length; i++) {
            NetConfig config = probe.withOutputLoss(new OutputLoss(probe.outputLoss().kind(), betas[i]));
            for (Nudge nudge : Nudge.values()) {
                float[] g = gradient(config, p, data, nudge).flatten();
                double diff = 0;
                double norm = 0;
                for (int j = 0; j < g.length; j++) {
                    diff += Math.pow(g[j] / betas[i] - exact[j], 2);
                    norm += exact[j] * exact[j];
                }
                errors[nudge.ordinal()][i] = Math.sqrt(diff / norm);
            }
        }
        for (int i = 0; i + 1 < betas.length; i++) {
            double oneSided = errors[0][i] / errors[0][i + 1];
            double symmetric = errors[1][i] / errors[1][i + 1];
            String what = loss + ": errors one-sided " + java.util.Arrays.toString(errors[0]) + ", symmetric "
                    + java.util.Arrays.toString(errors[1]) + " at beta/bound 1/4, 1/8, 1/16";
            assertTrue(oneSided > ONE_SIDED_LOW && oneSided < ONE_SIDED_HIGH, what + ": one-sided ratio " + oneSided);
            assertTrue(symmetric > SYMMETRIC_LOW && symmetric < SYMMETRIC_HIGH, what + ": symmetric ratio " + symmetric);
            assertTrue(errors[1][i] < errors[0][i], what);
        }
    }

    /**
     * The float engine's symmetric estimate against the double-precision energy gradients of its own phases,
     * {@code (dE(z+) - dE(z-)) / 2}, at a small gamma where the phases differ by little below the top: summed from the
     * phases' difference, it is as accurate as its phases (relative error 4e-8 to 9e-7 per layer); subtracting the
     * phases' residuals kept the rounding of each one's pre-activation (3e-3 in W1 of the first net, 3e-5 of the second).
     */
    @ParameterizedTest
    @CsvSource({"32-24-16-12-10, 1, 32", "64-48-32-10, 3, 8"})
    void symmetricEstimateIsAsAccurateAsItsFloatPhases(String net, double weightScale, double boundOverBeta) {
        NetConfig probe = new NetConfig(NetSpec.parse(net), Units.RELU, SMALL_GAMMA, new OutputLoss(OutputLoss.Kind.SQUARED, 1));
        Parameters p = TestNets.random(probe.net(), 43, weightScale, 0.1);
        Dataset data = TestNets.randomData(probe.net(), BATCH, 44);
        double beta = new NudgeBound(probe).bound(p) / boundOverBeta;
        NetConfig config = probe.withOutputLoss(new OutputLoss(OutputLoss.Kind.SQUARED, beta));
        NudgeReference ref = new NudgeReference(config, p);
        double[][] gw = ExactPhases.zeroWeights(p.net());
        double[][] gb = ExactPhases.zeroBiases(p.net());
        Parameters estimate;
        try (Engine e = engine(config, p, data)) {
            e.inferFree(CONVERGED);
            e.inferClamped(CONVERGED);
            e.inferNegative(CONVERGED);
            e.computeGradient(Method.CONTRASTIVE);
            estimate = e.gradient();
            double scale = 0.5 / data.count();
            for (int r = 0; r < data.count(); r++) {
                ref.addEnergyGradient(row(e, Phase.CLAMPED, r), scale, gw, gb);
                ref.addEnergyGradient(row(e, Phase.NEGATIVE, r), -scale, gw, gb);
            }
        }
        for (int k = 0; k < probe.net().layers(); k++) {
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < gw[k].length; i++) {
                diff += Math.pow(estimate.weight(k)[i] - gw[k][i], 2);
                norm += gw[k][i] * gw[k][i];
            }
            double error = Math.sqrt(diff / norm);
            assertTrue(error < TOL_SYMMETRIC_ESTIMATE, net + ": W" + k + " relative error " + error);
        }
    }

    /** Row {@code r} of {@code phase}'s activations {@code z_0..z_L}, in double. */
    private static double[][] row(Engine e, Phase phase, int r) {
        NetSpec net = e.config().net();
        double[][] z = new double[net.layers() + 1][];
        for (int k = 0; k <= net.layers(); k++) {
            float[] a = e.activations(phase, k);
            int n = net.width(k);
            z[k] = new double[n];
            for (int j = 0; j < n; j++) {
                z[k][j] = a[r * n + j];
            }
        }
        return z;
    }

    /** The reference's exact gradient of {@code mean l(z_L^free)}, flat in the parameters' layout. */
    private static double[] exactGradient(NetConfig config, Parameters p, Dataset data) {
        NudgeReference ref = new NudgeReference(config, p);
        double[][] gw = ExactPhases.zeroWeights(p.net());
        double[][] gb = ExactPhases.zeroBiases(p.net());
        for (int s = 0; s < data.count(); s++) {
            ref.addExactGradient(data.inputs(), s * data.width(), data.labels()[s], 1.0 / data.count(), gw, gb);
        }
        Parameters g = Parameters.zeros(config.net());
        for (int k = 0; k < config.net().layers(); k++) {
            for (int i = 0; i < gw[k].length; i++) {
                g.weight(k)[i] = (float) gw[k][i];
            }
            for (int i = 0; i < gb[k].length; i++) {
                g.bias(k)[i] = (float) gb[k][i];
            }
        }
        float[] f = g.flatten();
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
        }
        return out;
    }

    /** The reference's implicit gradient is the derivative of {@code mean l(z_L^free)}: central differences in double. */
    @Test
    void referenceExactGradientMatchesDifferencesOfTheFreeLoss() {
        NetConfig config = soft(NET, Units.RELU, "squared", 1);
        Parameters p = TestNets.random(config.net(), 43, 1.2, 0.3);
        Dataset data = TestNets.randomData(config.net(), 4, 44);
        double[] exact = exactGradient(config, p, data);
        for (int k = 0; k < config.net().layers(); k++) {
            Parameters d = GradientCheck.direction(config.net(), k, false, 5L + k);
            float[] dv = d.flatten();
            double analytic = 0;
            for (int i = 0; i < dv.length; i++) {
                analytic += exact[i] * dv[i];
            }
            double numeric = GradientCheck.centralDifference(q -> {
                NudgeReference ref = new NudgeReference(config, q);
                double s = 0;
                for (int r = 0; r < data.count(); r++) {
                    s += ref.freeLoss(data.inputs(), r * data.width(), data.labels()[r]) / data.count();
                }
                return s;
            }, p, d, 1e-3);
            assertEquals(analytic, numeric, 1e-3 * Math.abs(analytic) + 1e-7, "d/dW" + k);
        }
    }

    /** The negative phase's KKT residual is at float rounding, and its minimum is the reference's {@code min E - beta l}. */
    @ParameterizedTest
    @CsvSource({"squared, relu", "cross-entropy, relu", "squared, hardsigmoid", "cross-entropy, linear"})
    void negativePhaseSatisfiesKkt(String loss, String units) {
        NetConfig probe = soft(NET, Units.parse(units), loss, 1);
        Parameters p = TestNets.random(probe.net(), 23, 1.5, 0.3);
        double beta = 0.9 * new NudgeBound(probe).bound(p);
        NetConfig config = probe.withOutputLoss(new OutputLoss(probe.outputLoss().kind(), beta));
        Dataset data = TestNets.randomData(config.net(), BATCH, 24);
        NudgeReference ref = new NudgeReference(config, p);
        try (Engine e = engine(config, p, data)) {
            e.inferFree(CONVERGED);
            e.inferNegative(SolverConfig.fixed(Solver.JACOBI, 3000));
            double kkt = e.kktResidual(Phase.NEGATIVE);
            assertTrue(kkt < TestNets.TOL_KKT_F32, loss + " " + units + ": negative-phase KKT residual " + kkt);
            double[] energy = e.energies(Phase.NEGATIVE);
            double[] free = e.energies(Phase.FREE);
            for (int r = 0; r < BATCH; r++) {
                int y = data.labels()[r];
                double expected = ref.objective(ref.solve(data.inputs(), r * data.width(), y, -beta), y, -beta);
                assertEquals(expected, energy[r], TOL_ENERGY * (1 + Math.abs(expected)), "sample " + r);
                assertTrue(energy[r] <= free[r] + 1e-6, "min (E - beta l) <= min E at sample " + r);
            }
        }
    }

    /**
     * The bound is exact: just below it the Hessian of {@code E - beta l} (squared) is positive definite, just above it
     * has a negative eigenvalue; and it lies below {@code g / (1 + gamma sigma_max(W_{L-1})^2)}.
     */
    @ParameterizedTest
    @CsvSource({"8-6-5-4, 1.5", "8-6-5-4, 3", "7-9-4, 2"})
    void boundIsWhereTheNegativePhaseStopsBeingConvex(String net, double scale) {
        NetConfig config = soft(net, Units.LINEAR, "squared", 1);
        Parameters p = TestNets.random(config.net(), 29, scale, 0.3);
        double bound = new NudgeBound(config).bound(p);
        assertTrue(positiveDefinite(hessian(config, p, bound * (1 - TOL_BOUND))), net + ": not convex below bound " + bound);
        assertTrue(!positiveDefinite(hessian(config, p, bound * (1 + TOL_BOUND))), net + ": still convex above bound " + bound);
        double g = Math.pow(GAMMA, config.net().layers() - 1);
        assertTrue(bound < g, "bound " + bound + " below g " + g);
    }

    /**
     * {@code T_L} of a net with a convolution, average pooling and a dense layer against the sum
     * {@code sum_m gamma^-m M_m M_m^T} of products of the layers' dense matrices ({@link liftnet.api.ConvLayer#toDense},
     * {@link liftnet.api.Pooling#compose}).
     */
    @Test
    void outputCovarianceOfConvAndPooledLayersMatchesTheirDenseMatrices() {
        NetConfig config = soft("1x8x8-c2k3-p2-c3k3s2-5-4", Units.RELU, "squared", 1);
        NetSpec net = config.net();
        Parameters p = TestNets.random(net, 37, 1.3, 0.3);
        int layers = net.layers();
        double[][][] m = new double[layers][][];
        for (int k = 0; k < layers; k++) {
            double[][] own;
            if (net.conv(k) != null) {
                own = net.conv(k).toDense(p.weight(k));
            } else {
                own = new double[net.width(k + 1)][net.pooledWidth(k)];
                for (int i = 0; i < own.length; i++) {
                    for (int j = 0; j < own[i].length; j++) {
                        own[i][j] = p.weight(k)[i * own[i].length + j];
                    }
                }
            }
            m[k] = net.pooling(k) == null ? own : net.pooling(k).compose(own);
        }
        int n = net.outputs();
        double[][] expected = new double[n][n];
        double[][] prod = identity(n);
        for (int k = layers - 1; k >= 0; k--) {
            double inv = Math.pow(GAMMA, -k);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    for (int q = 0; q < prod[i].length; q++) {
                        expected[i][j] += inv * prod[i][q] * prod[j][q];
                    }
                }
            }
            if (k > 0) {
                double[][] next = new double[n][m[k][0].length];
                for (int i = 0; i < n; i++) {
                    for (int q = 0; q < m[k].length; q++) {
                        for (int j = 0; j < next[i].length; j++) {
                            next[i][j] += prod[i][q] * m[k][q][j];
                        }
                    }
                }
                prod = next;
            }
        }
        double[][] t = new NudgeBound(config).outputCovariance(p);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(expected[i][j], t[i][j], 1e-12 * Math.abs(expected[i][i]), "T[" + i + "][" + j + "]");
            }
        }
    }

    private static double[][] identity(int n) {
        double[][] id = new double[n][n];
        for (int i = 0; i < n; i++) {
            id[i][i] = 1;
        }
        return id;
    }

    /** {@code NudgeBound.largestEigenvalue} against a matrix of known spectrum, {@code Q diag(3, 1, -2, 0.5) Q^T}. */
    @Test
    void largestEigenvalueOfAKnownSpectrum() {
        double[] lambda = {3, 1, -2, 0.5};
        double c = Math.cos(0.7);
        double s = Math.sin(0.7);
        double[][] q = {{c, -s, 0, 0}, {s, c, 0, 0}, {0, 0, c, s}, {0, 0, -s, c}};
        double[][] mix = {{1, 0, 0, 0}, {0, c, -s, 0}, {0, s, c, 0}, {0, 0, 0, 1}};
        double[][] qq = new double[4][4];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                for (int k = 0; k < 4; k++) {
                    qq[i][j] += q[i][k] * mix[k][j];
                }
            }
        }
        double[][] a = new double[4][4];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                for (int k = 0; k < 4; k++) {
                    a[i][j] += qq[i][k] * lambda[k] * qq[j][k];
                }
            }
        }
        assertEquals(3, NudgeBound.largestEigenvalue(a), 1e-12);
    }

    /** The trainer refuses a beta above the bound before the first negative phase, and trains below it. */
    @Test
    void trainerStopsWhenTheNegativePhaseIsNotConvex() {
        NetConfig probe = soft(NET, Units.RELU, "squared", 1);
        Parameters p = TestNets.random(probe.net(), 31, 2, 0.3);
        Dataset data = TestNets.randomData(probe.net(), 40, 32);
        double bound = new NudgeBound(probe).bound(p);
        for (double factor : new double[] {1.05, 0.5}) {
            double beta = factor * bound;
            NetConfig config = probe.withOutputLoss(new OutputLoss(OutputLoss.Kind.SQUARED, beta));
            TrainConfig tc = new TrainConfig(config, Method.CONTRASTIVE, 1, 10, 1e-3, 0, 1, SolverConfig.paperDefault(), 1,
                    0, liftnet.api.OptimizerConfig.sgd(), Schedule.constant(), false, Nudge.SYMMETRIC);
            try (Engine e = new CpuEngine(config, 1)) {
                e.setParameters(p);
                Trainer trainer = new Trainer(e, tc);
                DeviceData d = e.upload(data);
                if (factor > 1) {
                    NudgeBoundException ex = assertThrows(NudgeBoundException.class, () -> trainer.trainEpoch(d, 1, null));
                    assertEquals(bound, ex.bound(), 1e-12 * bound);
                    assertTrue(ex.getMessage().contains("exceeds the bound"), ex.getMessage());
                    assertEquals(p, e.parameters(), "no update before the refusal");
                } else {
                    trainer.trainEpoch(d, 1, null);
                    assertTrue(trainer.epochNudgeBound() > beta, "bound during the epoch " + trainer.epochNudgeBound());
                }
            }
        }
    }

    /** The dense Hessian of {@code E - beta l} (squared, linear units) over {@code z_1..z_L}. */
    private static double[][] hessian(NetConfig config, Parameters p, double beta) {
        NetSpec net = config.net();
        int layers = net.layers();
        int[] start = new int[layers + 2];
        for (int k = 1; k <= layers; k++) {
            start[k + 1] = start[k] + net.width(k);
        }
        int n = start[layers + 1];
        double[][] h = new double[n][n];
        for (int k = 0; k < layers; k++) {
            double gk = Math.pow(GAMMA, k);
            int rows = net.width(k + 1);
            int cols = net.width(k);
            for (int i = 0; i < rows; i++) {
                h[start[k + 1] + i][start[k + 1] + i] += gk;
            }
            if (k == 0) {
                continue;
            }
            for (int j = 0; j < cols; j++) {
                for (int m = 0; m < cols; m++) {
                    double s = 0;
                    for (int i = 0; i < rows; i++) {
                        s += p.weight(k, i, j) * p.weight(k, i, m);
                    }
                    h[start[k] + j][start[k] + m] += gk * s;
                }
                for (int i = 0; i < rows; i++) {
                    h[start[k + 1] + i][start[k] + j] -= gk * p.weight(k, i, j);
                    h[start[k] + j][start[k + 1] + i] -= gk * p.weight(k, i, j);
                }
            }
        }
        for (int i = start[layers]; i < n; i++) {
            h[i][i] -= beta;
        }
        return h;
    }

    /** Whether the Cholesky factorisation of {@code a} succeeds (all pivots positive). */
    private static boolean positiveDefinite(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int j = 0; j < n; j++) {
            double d = a[j][j];
            for (int k = 0; k < j; k++) {
                d -= l[j][k] * l[j][k];
            }
            if (!(d > 0)) {
                return false;
            }
            l[j][j] = Math.sqrt(d);
            for (int i = j + 1; i < n; i++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                l[i][j] = s / l[j][j];
            }
        }
        return true;
    }
}
