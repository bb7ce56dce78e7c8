package liftnet.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import liftnet.TestNets;
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
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link ExactPhases}: the squared soft clamp's phases solved exactly, against two independent computations, and the
 * float CPU engine's hard-clamped phases and contrastive gradient against it.
 */
class ExactPhasesTest {

    private static final int BATCH = 8;
    /** Agreement with the reference's coordinate descent, which stops at moves of 1e-15. */
    private static final double TOL_SOLUTION = 1e-9;
    /** A float engine's gradient estimate at converged phases against the exact phases' (relative, per layer). */
    private static final double TOL_ESTIMATE = 1e-3;

    private static NetConfig squared(String net, Units units, double gamma, double beta) {
        return new NetConfig(NetSpec.parse(net), units, gamma, new OutputLoss(OutputLoss.Kind.SQUARED, beta));
    }

    /** The free, positively and negatively nudged minimisers equal {@link NudgeReference}'s coordinate descent. */
    @ParameterizedTest
    @CsvSource({"8-6-5-4, relu, 0.5", "8-6-5-4, hardsigmoid, 0.5", "12-10-8-6-4, relu, 0.0625"})
    void phasesMatchTheReferenceCoordinateDescent(String net, String units, double gamma) {
        NetConfig probe = squared(net, Units.parse(units), gamma, 1);
        Parameters p = TestNets.random(probe.net(), 51, 1.5, 0.3);
        Dataset data = TestNets.randomData(probe.net(), BATCH, 52);
        double bound = new NudgeBound(probe).bound(p);
        ExactPhases exact = new ExactPhases(probe, p);
        for (double beta : new double[] {0, bound / 2, -bound / 2}) {
            NudgeReference ref = new NudgeReference(probe.withOutputLoss(new OutputLoss(OutputLoss.Kind.SQUARED,
                    Math.max(Math.abs(beta), 1e-300))), p);
            for (int s = 0; s < data.count(); s++) {
                int y = data.labels()[s];
                double[][] z = exact.solve(data.inputs(), s * data.width(), y, beta);
                double[][] r = ref.solve(data.inputs(), s * data.width(), y, beta);
                for (int k = 1; k < z.length; k++) {
                    for (int j = 0; j < z[k].length; j++) {
                        assertTrue(Math.abs(z[k][j] - r[k][j]) <= TOL_SOLUTION, net + " " + units + " beta " + beta
                                + " sample " + s + " z_" + k + "[" + j + "] " + z[k][j] + " vs " + r[k][j]);
                    }
                }
            }
        }
    }

    /**
     * A conv net with pooling: the float CPU engine's symmetric estimate at converged phases is the exact phases' to
     * float accuracy (the engine sums it from the phases' difference), which checks the exact phases' maps.
     */
    @ParameterizedTest
    @CsvSource({"1x8x8-c3k3s1-c4k3s2-10-4", "1x8x8-c3k3-p2-c4k3-p2-5-3"})
    void symmetricEstimateOfTheExactPhasesIsTheEngines(String net) {
        NetConfig probe = squared(net, Units.RELU, 0.25, 1);
        Parameters p = TestNets.random(probe.net(), 53, 1.0, 0.1);
        Dataset data = TestNets.randomData(probe.net(), BATCH, 54);
        double beta = new NudgeBound(probe).bound(p) / 2;
        NetConfig config = probe.withOutputLoss(new OutputLoss(OutputLoss.Kind.SQUARED, beta));
        Parameters engine = SymmetricNudgeTest.gradient(config, p, data, Nudge.SYMMETRIC); // 600 Jacobi sweeps
        ExactPhases exact = new ExactPhases(probe, p);
        double[][] gw = ExactPhases.zeroWeights(probe.net());
        double[][] gb = ExactPhases.zeroBiases(probe.net());
        for (int s = 0; s < data.count(); s++) {
            int y = data.labels()[s];
            double scale = 0.5 / data.count();
            exact.addEnergyGradient(exact.solve(data.inputs(), s * data.width(), y, beta), scale, gw, gb);
            exact.addEnergyGradient(exact.solve(data.inputs(), s * data.width(), y, -beta), -scale, gw, gb);
        }
        for (int k = 0; k < gw.length; k++) {
            TestNets.assertRelativelyClose(gw[k], engine.weight(k), TOL_ESTIMATE, 0, net + ": W" + k);
        }
    }

    /** The float CPU engine's energies of both phases and its contrastive gradient (weights and biases) at the hard clamp. */
    @ParameterizedTest
    @EnumSource(Units.class)
    void cpuEngineAgreesWithTheExactHardClampedPhases(Units units) {
        NetConfig config = new NetConfig(NetSpec.parse("15-12-10-8-5"), units, 0.25);
        Parameters p = TestNets.random(config.net(), 101, 1.5, 0.2);
        Dataset data = TestNets.randomData(config.net(), 9, 102);
        ExactPhases exact = new ExactPhases(config, p);
        double[][] gw = ExactPhases.zeroWeights(config.net());
        double[][] gb = ExactPhases.zeroBiases(config.net());
        try (CpuEngine e = new CpuEngine(config, 2)) {
            e.setParameters(p);
            e.selectBatch(e.upload(data), TestNets.identity(data.count()), 0, data.count());
            e.forward();
            SolverConfig solver = SolverConfig.fixed(Solver.JACOBI, 300);
            e.inferFree(solver);
            e.inferClamped(solver);
            e.computeGradient(Method.CONTRASTIVE);
            double[] free = e.energies(Phase.FREE);
            double[] clamped = e.energies(Phase.CLAMPED);
            for (int r = 0; r < data.count(); r++) {
                int y = data.labels()[r];
                double[][] zf = exact.solve(data.inputs(), r * data.width(), y, 0);
                double[][] zc = exact.solve(data.inputs(), r * data.width(), y, ExactPhases.HARD_CLAMP);
                double ef = exact.energy(zf);
                double ec = exact.energy(zc);
                assertEquals(ef, free[r], TestNets.TOL_SOLVERS_F32 * ef + 1e-9, "free, sample " + r);
                assertEquals(ec, clamped[r], TestNets.TOL_SOLVERS_F32 * ec + 1e-9, "clamped, sample " + r);
                exact.addEnergyGradient(zc, 1.0 / data.count(), gw, gb);
                exact.addEnergyGradient(zf, -1.0 / data.count(), gw, gb);
            }
            Parameters g = e.gradient();
            for (int k = 0; k < config.net().layers(); k++) {
                TestNets.assertRelativelyClose(gw[k], g.weight(k), TOL_ESTIMATE, 0, units.id() + " W" + k);
                assertTrue(Arrays.stream(gb[k]).anyMatch(v -> v != 0), units.id() + " b" + k + ": the exact bias gradient is zero");
                TestNets.assertRelativelyClose(gb[k], g.bias(k), TOL_ESTIMATE, 0, units.id() + " b" + k);
            }
        }
    }
}
