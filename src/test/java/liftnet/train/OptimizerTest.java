package liftnet.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import liftnet.api.DeviceData;
import liftnet.api.EngineCapabilities;
import liftnet.api.EngineException;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.OptimizerConfig;
import liftnet.api.OutputLoss;
import liftnet.api.Parameters;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.cpu.CpuEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stateful update rules against hand-computed steps, their checkpoints, and the trainer's host-side path. */
class OptimizerTest {

    /** Float rounding of a few operations on values of order 1. */
    private static final double TOL_F32 = 1e-6;
    /** Host-side and engine-side SGD over an epoch: the same arithmetic in another order. */
    private static final double TOL_EPOCH = 1e-4;

    private static final NetSpec NET = NetSpec.parse("2-3-2");

    /** Parameters whose every value is {@code value}. */
    private static Parameters filled(float value) {
        Parameters p = Parameters.zeros(NET);
        for (int k = 0; k < NET.layers(); k++) {
            java.util.Arrays.fill(p.weight(k), value);
            java.util.Arrays.fill(p.bias(k), value);
        }
        return p;
    }

    private static OptimizerConfig config(OptimizerConfig.Kind kind) {
        return new OptimizerConfig(kind, 0.9, 0.999, 1e-8);
    }

    @Test
    void momentumFollowsTheHeavyBallRecurrence() {
        Optimizer m = Optimizer.create(config(OptimizerConfig.Kind.MOMENTUM), NET);
        Parameters theta = filled(1);
        // step 1, g = 0.5: v = 0.5, theta = 1 - 0.1 * 0.5 = 0.95 (layer 0), 1 - 0.2 * 0.5 = 0.9 (layer 1)
        m.step(theta, filled(0.5f), new double[] {0.1, 0.2});
        assertEquals(0.95, theta.weight(0)[0], TOL_F32);
        assertEquals(0.9, theta.bias(1)[1], TOL_F32);
        // step 2, g = -1: v = 0.9 * 0.5 - 1 = -0.55, theta = 0.95 + 0.1 * 0.55 = 1.005; 0.9 + 0.2 * 0.55 = 1.01
        m.step(theta, filled(-1), new double[] {0.1, 0.2});
        assertEquals(1.005, theta.weight(0)[5], TOL_F32);
        assertEquals(1.01, theta.weight(1)[0], TOL_F32);
        assertEquals(-0.55, m.slot(0).bias(0)[2], TOL_F32);
        assertEquals(2, m.steps());
    }

    @Test
    void adamCorrectsTheBiasOfItsMoments() {
        Optimizer a = Optimizer.create(config(OptimizerConfig.Kind.ADAM), NET);
        Parameters theta = filled(1);
        // step 1, g = 0.5: m = 0.05, v = 0.00025; corrected 0.5 and 0.25, so theta -= 0.1 * 0.5 / 0.5 = 0.1
        a.step(theta, filled(0.5f), new double[] {0.1, 0.1});
        assertEquals(0.9, theta.weight(0)[0], TOL_F32);
        // step 2, g = -1: m = 0.045 - 0.1 = -0.055, v = 0.999 * 0.00025 + 0.001 = 0.00124975;
        // m / (1 - 0.81) = -0.2894737, v / (1 - 0.998001) = 0.6251876, sqrt 0.7906881; step 0.1 * 0.3661
        a.step(theta, filled(-1), new double[] {0.1, 0.1});
        assertEquals(0.9 + 0.1 * 0.2894737 / 0.7906881, theta.bias(1)[0], TOL_F32);
        assertEquals(-0.055, a.slot(0).weight(1)[3], TOL_F32);
        assertEquals(0.00124975, a.slot(1).weight(1)[3], TOL_F32);
    }

    @Test
    void sgdKeepsNoStateAndRunsOnTheEngine() {
        assertNull(Optimizer.create(OptimizerConfig.sgd(), NET));
        assertTrue(!OptimizerConfig.sgd().hasState());
    }

    @Test
    void invalidSettingsAreRefusedWithTheValueFound() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new OptimizerConfig(OptimizerConfig.Kind.MOMENTUM, 1.0, 0.999, 1e-8));
        assertTrue(e.getMessage().contains("found 1.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OptimizerConfig.Kind.parse("rmsprop"));
    }

    @Test
    void checkpointRestoresTheStateExactly(@TempDir Path dir) throws Exception {
        Optimizer a = Optimizer.create(config(OptimizerConfig.Kind.ADAM), NET);
        Parameters theta = filled(1);
        a.step(theta, filled(0.25f), new double[] {0.01, 0.02});
        a.step(theta, filled(-0.75f), new double[] {0.01, 0.02});
        OptimizerCheckpoint.save(dir, 3, a);

        Optimizer b = Optimizer.create(config(OptimizerConfig.Kind.ADAM), NET);
        OptimizerCheckpoint.load(dir, 3, b);
        assertEquals(a.steps(), b.steps());
        Parameters ta = theta.copy();
        Parameters tb = theta.copy();
        a.step(ta, filled(0.125f), new double[] {0.01, 0.02});
        b.step(tb, filled(0.125f), new double[] {0.01, 0.02});
        assertArrayEquals(ta.flatten(), tb.flatten());

        Optimizer momentum = Optimizer.create(config(OptimizerConfig.Kind.MOMENTUM), NET);
        assertThrows(IllegalArgumentException.class, () -> OptimizerCheckpoint.load(dir, 3, momentum));
        assertThrows(java.io.IOException.class, () -> OptimizerCheckpoint.load(dir, 4, b));
    }

    @Test
    void momentumWithoutMomentumTrainsAsTheEnginesSgd() {
        NetConfig net = new NetConfig(NetSpec.parse("16-24-24-4"), Units.RELU, 0.125);
        Parameters start = Parameters.initial(net.net(), 3);
        Parameters sgd = trainOneEpoch(net, start, OptimizerConfig.sgd());
        Parameters host = trainOneEpoch(net, start, new OptimizerConfig(OptimizerConfig.Kind.MOMENTUM, 0, 0.999, 1e-8));
        float[] a = sgd.flatten();
        float[] b = host.flatten();
        double moved = 0;
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], TOL_EPOCH, "parameter " + i);
            moved = Math.max(moved, Math.abs(a[i] - start.flatten()[i]));
        }
        assertTrue(moved > 100 * TOL_EPOCH, "the epoch must move the parameters; moved at most " + moved);
    }

    private static Parameters trainOneEpoch(NetConfig net, Parameters start, OptimizerConfig optimizer) {
        TrainConfig config = new TrainConfig(net, Method.LIFTED, 1, 20, 0.02, 0, 1,
                SolverConfig.fixed(Solver.JACOBI, 15), 3, 0, optimizer, Schedule.constant(), false);
        try (CpuEngine engine = new CpuEngine(net, 1)) {
            engine.setParameters(start);
            Trainer trainer = new Trainer(engine, config);
            DeviceData data = engine.upload(LinearityTest.quadrants(400, 5));
            trainer.trainEpoch(data, 1, null);
            return engine.parameters();
        }
    }

    @Test
    void capabilitiesDecideWhatAnEngineTrains() {
        NetConfig net = new NetConfig(NET, Units.RELU, 0.125);
        TrainConfig adam = new TrainConfig(net, Method.LIFTED, 1, 20, 0.001, 0, 1,
                SolverConfig.paperDefault(), 1, 0, config(OptimizerConfig.Kind.ADAM), Schedule.constant(), false);
        EngineCapabilities sgdOnly = new EngineCapabilities("tornado", EnumSet.of(OptimizerConfig.Kind.SGD),
                EnumSet.noneOf(OutputLoss.Kind.class), EnumSet.of(Solver.JACOBI), false);
        EngineException e = assertThrows(EngineException.class, () -> Trainer.requireSupported(sgdOnly, adam));
        assertEquals("the tornado engine does not support --optimizer adam; use --device cpu", e.getMessage());
        Trainer.requireSupported(EngineCapabilities.all("cpu"), adam);
        TrainConfig gaussSeidel = new TrainConfig(net, Method.LIFTED, 1, 20, 0.001, 0, 1,
                SolverConfig.fixed(Solver.GAUSS_SEIDEL, 15), 1, 0, OptimizerConfig.sgd(), Schedule.constant(), false);
        e = assertThrows(EngineException.class, () -> Trainer.requireSupported(sgdOnly, gaussSeidel));
        assertEquals("the tornado engine does not support --solver gauss-seidel; use --device cpu", e.getMessage());
        TrainConfig soft = new TrainConfig(net.withOutputLoss(new OutputLoss(OutputLoss.Kind.CROSS_ENTROPY, 0.01)),
                Method.CONTRASTIVE, 1, 20, 0.001, 0, 1, SolverConfig.paperDefault(), 1, 0, OptimizerConfig.sgd(),
                new Schedule(Schedule.Kind.COSINE, 1, 1, 0), false);
        e = assertThrows(EngineException.class, () -> Trainer.requireSupported(sgdOnly, soft));
        assertTrue(e.getMessage().contains("--output-loss cross-entropy"), e.getMessage());
        Trainer.requireSupported(EngineCapabilities.all("cpu"), soft);
    }
}
