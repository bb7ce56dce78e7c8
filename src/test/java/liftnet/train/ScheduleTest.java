package liftnet.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.OptimizerConfig;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import org.junit.jupiter.api.Test;

/** Learning-rate schedules and the per-layer rates they produce. */
class ScheduleTest {

    private static final double TOL = 1e-12;
    private static final NetConfig NET = new NetConfig(NetSpec.parse("4-5-5-3"), Units.RELU, 0.125);

    private static TrainConfig config(Method method, OptimizerConfig optimizer, Schedule schedule, int warmup) {
        return new TrainConfig(NET, method, 10, 50, 0.01, warmup, 0.1, SolverConfig.paperDefault(), 1, 0, optimizer,
                schedule, false);
    }

    @Test
    void cosineFallsFromOneToItsFloorThroughTheMidpoint() {
        Schedule s = new Schedule(Schedule.Kind.COSINE, 1, 1, 0.2);
        assertEquals(1, s.factor(0, 0, 10), TOL);
        assertEquals(0.6, s.factor(5, 0, 10), TOL);
        assertEquals(0.2 + 0.8 * 0.5 * (1 + Math.cos(Math.PI * 0.25)), s.factor(2, 0.5, 10), TOL);
        assertEquals(0.2, s.factor(10, 0, 10), TOL);
    }

    @Test
    void stepDropsByItsFactorEveryPeriod() {
        Schedule s = new Schedule(Schedule.Kind.STEP, 3, 0.5, 0);
        assertEquals(1, s.factor(2, 0.9, 10), TOL);
        assertEquals(0.5, s.factor(3, 0, 10), TOL);
        assertEquals(0.25, s.factor(8, 0.5, 10), TOL);
        assertEquals(1, Schedule.constant().factor(7, 0.3, 10), TOL);
        assertThrows(IllegalArgumentException.class, () -> new Schedule(Schedule.Kind.STEP, 0, 0.5, 0));
        assertThrows(IllegalArgumentException.class, () -> new Schedule(Schedule.Kind.COSINE, 1, 1, 1.5));
    }

    @Test
    void ratesCombineLayerScalingWarmUpAndSchedule() {
        // lifted: eta / gamma^k; warm-up: x 0.1 in epoch 1; then cosine over the 9 epochs after warm-up
        TrainConfig lifted = config(Method.LIFTED, OptimizerConfig.sgd(), new Schedule(Schedule.Kind.COSINE, 1, 1, 0), 1);
        assertArrayEquals(new double[] {0.001, 0.008, 0.064}, lifted.rates(1, 0.5), TOL);
        assertArrayEquals(new double[] {0.01, 0.08, 0.64}, lifted.rates(2, 0), TOL);
        double half = 0.5 * (1 + Math.cos(Math.PI * 4.5 / 9));
        assertArrayEquals(new double[] {0.01 * half, 0.08 * half, 0.64 * half}, lifted.rates(6, 0.5), TOL);
        // Adam: eta in every layer, its step does not scale with the gradient's gamma^k
        TrainConfig adam = config(Method.LIFTED, new OptimizerConfig(OptimizerConfig.Kind.ADAM, 0.9, 0.999, 1e-8),
                Schedule.constant(), 0);
        assertArrayEquals(new double[] {0.01, 0.01, 0.01}, adam.rates(4, 0.25), TOL);
    }

    @Test
    void thePapersSettingsKeepTheirConstantRates() {
        TrainConfig old = new TrainConfig(NET, Method.CONTRASTIVE, 10, 50, 0.05, 0, 1, SolverConfig.paperDefault(), 1, 0);
        for (int epoch = 1; epoch <= 10; epoch++) {
            assertArrayEquals(new double[] {3.2, 3.2, 3.2}, old.rates(epoch, 0.7), TOL);
        }
    }
}
