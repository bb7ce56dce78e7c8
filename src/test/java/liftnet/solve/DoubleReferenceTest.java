package liftnet.solve;

import static liftnet.TestNets.identity;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import liftnet.TestNets;
import liftnet.api.DeviceData;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.cpu.CpuEngine;
import liftnet.data.Dataset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The float CPU engine against the plain double-precision reference: energies and contrastive gradients (weights and biases). */
class DoubleReferenceTest {

    @ParameterizedTest
    @EnumSource(Units.class)
    void cpuEngineAgreesWithTheDoubleReference(Units units) {
        NetConfig config = new NetConfig(NetSpec.parse("15-12-10-8-5"), units, 0.25);
        Parameters p = TestNets.random(config.net(), 101, 1.5, 0.2);
        Dataset data = TestNets.randomData(config.net(), 9, 102);
        DoubleReference ref = new DoubleReference(config, p);
        double[][][] gw = ref.zeroWeights();
        double[][] gb = ref.zeroBiases();
        try (CpuEngine e = new CpuEngine(config, 2)) {
            e.setParameters(p);
            DeviceData d = e.upload(data);
            e.selectBatch(d, identity(data.count()), 0, data.count());
            e.forward();
            SolverConfig solver = SolverConfig.fixed(Solver.JACOBI, 300);
            e.inferFree(solver);
            e.inferClamped(solver);
            e.computeGradient(Method.CONTRASTIVE);
            double[] free = e.energies(Phase.FREE);
            double[] clamped = e.energies(Phase.CLAMPED);
            for (int r = 0; r < data.count(); r++) {
                double[][] zf = ref.solve(data.inputs(), r * data.width(), -1, 5000, 1e-14);
                double[][] zc = ref.solve(data.inputs(), r * data.width(), data.labels()[r], 5000, 1e-14);
                assertEquals(ref.energy(zf), free[r], TestNets.TOL_SOLVERS_F32 * ref.energy(zf) + 1e-9, "free, sample " + r);
                assertEquals(ref.energy(zc), clamped[r], TestNets.TOL_SOLVERS_F32 * ref.energy(zc) + 1e-9, "clamped, sample " + r);
                ref.addEnergyGradient(zc, 1.0 / data.count(), gw, gb);
                ref.addEnergyGradient(zf, -1.0 / data.count(), gw, gb);
            }
            Parameters g = e.gradient();
            for (int k = 0; k < config.net().layers(); k++) {
                double diff = 0;
                double norm = 0;
                for (int i = 0; i < gw[k].length; i++) {
                    for (int j = 0; j < gw[k][i].length; j++) {
                        double delta = gw[k][i][j] - g.weight(k, i, j);
                        diff += delta * delta;
                        norm += gw[k][i][j] * gw[k][i][j];
                    }
                }
                assertTrue(Math.sqrt(diff) <= 1e-3 * Math.sqrt(norm), units.id() + " W" + k + ": relative error "
                        + Math.sqrt(diff / norm));
                double biasDiff = 0;
                double biasNorm = 0;
                for (int i = 0; i < gb[k].length; i++) {
                    double delta = gb[k][i] - g.bias(k)[i];
                    biasDiff += delta * delta;
                    biasNorm += gb[k][i] * gb[k][i];
                }
                assertTrue(biasNorm > 0, units.id() + " b" + k + ": the reference bias gradient is zero");
                assertTrue(Math.sqrt(biasDiff) <= 1e-3 * Math.sqrt(biasNorm), units.id() + " b" + k + ": relative error "
                        + Math.sqrt(biasDiff / biasNorm));
            }
        }
    }
}
