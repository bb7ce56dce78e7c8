package liftnet.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import liftnet.TestNets;
import liftnet.api.DeviceData;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.Parameters;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.cpu.CpuEngine;
import liftnet.data.Dataset;
import org.junit.jupiter.api.Test;

/**
 * Why the Table 2 ReLU contrastive run cannot recover once a first-layer unit dies: a unit whose pre-activation
 * is negative on every sample sits at 0 in both phases, so its residuals {@code z - a} agree and its contrastive
 * gradient ({@code dE(z_clamped) - dE(z_free)}) is exactly zero. The standard lifted gradient of the same unit is
 * not: it pulls the pre-activation back towards 0.
 */
class DeadUnitTest {

    private static final NetConfig NET = TestNets.config("12-8-6-4", Units.RELU, 0.125);
    private static final int DEAD = 3;

    private static Parameters gradient(Method method) {
        Parameters p = TestNets.random(NET.net(), 11, 1.0, 0.1);
        p.bias(0)[DEAD] = -1000;
        Dataset data = TestNets.randomData(NET.net(), 40, 12);
        try (CpuEngine engine = new CpuEngine(NET, 1)) {
            engine.setParameters(p);
            DeviceData d = engine.upload(data);
            engine.selectBatch(d, TestNets.identity(data.count()), 0, data.count());
            engine.forward();
            SolverConfig solver = SolverConfig.fixed(Solver.JACOBI, 30);
            if (method == Method.CONTRASTIVE) {
                engine.inferFree(solver);
            }
            engine.inferClamped(solver);
            engine.computeGradient(method);
            return engine.gradient();
        }
    }

    @Test
    void aDeadFirstLayerUnitGetsNoContrastiveGradient() {
        Parameters g = gradient(Method.CONTRASTIVE);
        int inputs = NET.net().inputs();
        double others = 0;
        for (int j = 0; j < inputs; j++) {
            assertEquals(0f, g.weight(0)[DEAD * inputs + j], "W0 row of the dead unit, column " + j);
            others += Math.abs(g.weight(0)[(DEAD + 1) * inputs + j]);
        }
        assertEquals(0f, g.bias(0)[DEAD], "b0 of the dead unit");
        for (int i = 0; i < NET.net().width(2); i++) {
            assertEquals(0f, g.weight(1)[i * NET.net().width(1) + DEAD], "W1 column of the dead unit, row " + i);
        }
        assertTrue(others > 0, "a live unit's row does get a gradient");
    }

    @Test
    void theStandardLiftedGradientPullsItBack() {
        Parameters g = gradient(Method.LIFTED);
        // dE/db0 = -(z - a) = a < 0 for a unit at z = 0: gradient descent raises its bias
        assertTrue(g.bias(0)[DEAD] < -100, "lifted gradient of the dead unit's bias: " + g.bias(0)[DEAD]);
    }
}
