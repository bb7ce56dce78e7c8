package liftnet.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import liftnet.TestNets;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.NetConfig;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.cpu.CpuEngine;
import liftnet.data.Dataset;
import org.junit.jupiter.api.Test;

/** The scores of each sample against their definitions, computed here from the engine's phases one label at a time. */
class SampleScoresTest {

    private static final SolverConfig CONVERGED = SolverConfig.fixed(Solver.JACOBI, 300);

    @Test
    void scoresFollowTheirDefinitions() {
        NetConfig config = TestNets.config("9-8-7-4", Units.RELU, 0.5);
        Parameters p = TestNets.random(config.net(), 3, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 11, 4);
        try (Engine engine = new CpuEngine(config, 2)) {
            engine.setParameters(p);
            Map<Score, double[]> s = SampleScores.compute(engine, data, CONVERGED, 4, true);
            int n = data.count();
            double[] free = new double[n];
            double[][] clamped = new double[4][n];
            float[] forward;
            float[] freeOut;
            try (DeviceData d = engine.upload(data)) {
                engine.selectBatch(d, TestNets.identity(n), 0, n);
                engine.forward();
                forward = engine.activations(Phase.FORWARD, 3);
                engine.inferFree(CONVERGED);
                free = engine.energies(Phase.FREE);
                freeOut = engine.activations(Phase.FREE, 3);
            }
            for (int c = 0; c < 4; c++) {
                int[] labels = new int[n];
                java.util.Arrays.fill(labels, c);
                try (DeviceData d = engine.upload(new Dataset("c", n, data.width(), 4, data.inputs(), labels))) {
                    engine.selectBatch(d, TestNets.identity(n), 0, n);
                    engine.forward();
                    engine.inferClamped(CONVERGED);
                    clamped[c] = engine.energies(Phase.CLAMPED);
                }
            }
            for (int r = 0; r < n; r++) {
                double tol = 1e-5 * (1 + free[r]);
                assertEquals(free[r], s.get(Score.FREE_ENERGY)[r], tol, "free energy of sample " + r);
                double min = Double.POSITIVE_INFINITY;
                int predicted = 0;
                double max = Double.NEGATIVE_INFINITY;
                double sumExp = 0;
                for (int c = 0; c < 4; c++) {
                    min = Math.min(min, clamped[c][r]);
                    predicted = freeOut[r * 4 + c] > freeOut[r * 4 + predicted] ? c : predicted;
                    max = Math.max(max, forward[r * 4 + c]);
                    sumExp += Math.exp(forward[r * 4 + c]);
                }
                assertEquals(min, s.get(Score.MIN_CLAMPED_ENERGY)[r], tol, "min clamped energy of sample " + r);
                assertTrue(min >= free[r] - tol, "a clamped minimum is never below the free one");
                assertEquals(clamped[predicted][r] - free[r], s.get(Score.CLAMPED_GAP)[r], tol, "gap of sample " + r);
                assertEquals(max, s.get(Score.MAX_OUTPUT)[r], 1e-6, "max output of sample " + r);
                assertEquals(Math.log(sumExp), s.get(Score.LOGSUMEXP_OUTPUT)[r], 1e-6, "log-sum-exp of sample " + r);
            }
        }
    }

    @Test
    void noiseIsSeededUniformAndShapedLikeTheData() {
        Dataset like = TestNets.randomData(TestNets.config("6-5-3", Units.RELU, 0.5).net(), 2, 1);
        Dataset a = SampleScores.noise(like, 500, 9);
        Dataset b = SampleScores.noise(like, 500, 9);
        assertEquals(6, a.width());
        assertEquals(3, a.classes());
        assertEquals(java.util.Arrays.toString(a.inputs()), java.util.Arrays.toString(b.inputs()), "same seed, same noise");
        double mean = 0;
        for (float x : a.inputs()) {
            assertTrue(x >= 0 && x < 1);
            mean += x / a.inputs().length;
        }
        assertEquals(0.5, mean, 0.03, "uniform [0, 1) has mean 1/2");
        assertTrue(!java.util.Arrays.equals(a.inputs(), SampleScores.noise(like, 500, 10).inputs()), "another seed, other noise");
    }
}
