package liftnet.solve;

import static liftnet.TestNets.identity;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import liftnet.TestNets;
import liftnet.api.DeviceData;
import liftnet.api.EpochStats;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.StopRule;
import liftnet.api.Units;
import liftnet.cpu.CpuEngine;
import liftnet.data.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Gauss-Seidel and red-black Jacobi solve the same strictly convex problems, so they must meet. */
class SolverAgreementTest {

    private static final NetConfig CONFIG = new NetConfig(NetSpec.parse("30-24-20-16-6"), Units.RELU, 0.125);

    private static double[] energies(NetConfig config, Parameters p, Dataset data, SolverConfig solver, boolean clamped,
                                     int threads, EpochStats[] stats) {
        try (CpuEngine e = new CpuEngine(config, threads)) {
            e.setParameters(p);
            DeviceData d = e.upload(data);
            e.selectBatch(d, identity(data.count()), 0, data.count());
            e.forward();
            e.drainStats();
            if (clamped) {
                e.inferClamped(solver);
            } else {
                e.inferFree(solver);
            }
            if (stats != null) {
                stats[0] = e.drainStats();
            }
            return e.energies(clamped ? Phase.CLAMPED : Phase.FREE);
        }
    }

    @ParameterizedTest
    @EnumSource(Units.class)
    void gaussSeidelAndJacobiReachTheSameEnergy(Units units) {
        NetConfig config = new NetConfig(CONFIG.net(), units, 0.25);
        Parameters p = TestNets.random(config.net(), 5, 1.5, 0.2);
        Dataset data = TestNets.randomData(config.net(), 17, 6);
        for (boolean clamped : new boolean[] {false, true}) {
            double[] gs = energies(config, p, data, SolverConfig.fixed(Solver.GAUSS_SEIDEL, 200), clamped, 2, null);
            double[] jacobi = energies(config, p, data, SolverConfig.fixed(Solver.JACOBI, 200), clamped, 2, null);
            for (int r = 0; r < gs.length; r++) {
                assertEquals(gs[r], jacobi[r], TestNets.TOL_SOLVERS_F32 * Math.abs(gs[r]) + 1e-9,
                        units.id() + (clamped ? " clamped" : " free") + " sample " + r);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Solver.class)
    void resultsDoNotDependOnTheNumberOfThreads(Solver solver) {
        Parameters p = TestNets.random(CONFIG.net(), 7, 1.5, 0.2);
        Dataset data = TestNets.randomData(CONFIG.net(), 21, 8);
        // with the tolerance stop rows leave and join the blocks in flight at different times on 1, 2 or 3 threads
        for (SolverConfig solverConfig : new SolverConfig[] {SolverConfig.fixed(solver, 7),
                SolverConfig.tolerance(solver, 1e-7, 60)}) {
            EpochStats[] oneStats = new EpochStats[1];
            double[] one = energies(CONFIG, p, data, solverConfig, true, 1, oneStats);
            for (int threads = 2; threads <= 3; threads++) {
                EpochStats[] stats = new EpochStats[1];
                double[] many = energies(CONFIG, p, data, solverConfig, true, threads, stats);
                assertArrayEquals(one, many, solverConfig + " on " + threads + " threads");
                assertEquals(oneStats[0].sweeps(), stats[0].sweeps(), solverConfig + " on " + threads + " threads");
            }
        }
    }

    /**
     * The energy rule measures a sweep's decrease from its line searches, so tolerances below float32's
     * resolution of the energy (about 1e-7 of it) still mean something: subtracting two evaluated energies
     * stopped 1e-8 and 1e-9 within 0.2 sweeps of each other on MNIST.
     */
    @Test
    void energyToleranceKeepsWorkingBelowFloatResolution() {
        Parameters p = TestNets.random(CONFIG.net(), 9, 1.0, 0.1);
        Dataset data = TestNets.randomData(CONFIG.net(), 20, 10);
        double previous = 0;
        for (double tol : new double[] {1e-6, 1e-8, 1e-10, 1e-12}) {
            EpochStats[] stats = new EpochStats[1];
            energies(CONFIG, p, data, SolverConfig.tolerance(Solver.JACOBI, tol, 500), false, 2, stats);
            double mean = stats[0].meanSweeps();
            assertTrue(mean > previous + 1, "tol " + tol + ": mean sweeps " + mean + ", not clearly more than " + previous);
            previous = mean;
        }
    }

    @ParameterizedTest
    @EnumSource(value = StopRule.class, names = {"ENERGY", "KKT"})
    void toleranceStopsEarlyAndReportsItsSweeps(StopRule rule) {
        Parameters p = TestNets.random(CONFIG.net(), 9, 1.0, 0.1);
        Dataset data = TestNets.randomData(CONFIG.net(), 20, 10);
        double tol = rule == StopRule.ENERGY ? 1e-9 : 1e-5;
        EpochStats[] stats = new EpochStats[1];
        double[] stopped = energies(CONFIG, p, data, new SolverConfig(Solver.JACOBI, 100, rule, tol), false, 2, stats);
        double[] full = energies(CONFIG, p, data, SolverConfig.fixed(Solver.JACOBI, 100), false, 2, null);
        double mean = stats[0].meanSweeps();
        assertTrue(mean >= 1 && mean < 30, rule + ": mean sweeps " + mean + " should be well below the 100 allowed");
        assertEquals(data.count(), stats[0].inferences());
        if (rule == StopRule.KKT) {
            assertTrue(stats[0].maxResidual() <= tol, "reported residual " + stats[0].maxResidual());
        }
        for (int r = 0; r < full.length; r++) {
            assertEquals(full[r], stopped[r], 1e-5 * full[r] + 1e-8, "sample " + r);
        }
    }
}
