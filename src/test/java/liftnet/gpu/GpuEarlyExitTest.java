package liftnet.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import liftnet.TestNets;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.Engines;
import liftnet.api.EpochStats;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.data.Dataset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The layered solver's batch-level early exit ({@code SKIP_IF_SETTLED}, kernels/common.cl): with a tolerance and more
 * sweeps than any sample needs, the launches of the sweeps after the batch's last sample stopped return at once, and
 * the results are those of running them: energies, KKT residuals, activations, the contrastive gradient and the sweeps
 * per sample the same bits with the exit on and off. The mean sweeps are the CPU engine's to within float rounding.
 * Subclassed per backend.
 */
public abstract class GpuEarlyExitTest {

    /** Sweeps allowed per phase: far more than a sample needs at {@link #TOL}. */
    static final int MAX_SWEEPS = 40;
    /** More sweeps allowed in the second run: all of them are skipped. */
    static final int EXTRA_SWEEPS = 7;
    /** The energy rule's relative decrease: samples stop after a few sweeps. */
    static final double TOL = 1e-6;
    /**
     * How far the GPU engine's mean sweeps per inference may lie from the CPU engine's: float rounding of the relative
     * decrease near {@link #TOL} may move a sample's stop by a sweep.
     */
    static final double TOL_MEAN_SWEEPS = 0.5;
    static final int SAMPLES = 23;

    /** A new engine of the backend on its first device (skips without one), with {@code options}. */
    protected abstract GpuEngine create(NetConfig config, GpuOptions options);

    /**
     * Nets on the layered path and the launches of one of their sweeps gated on the batch, counted from
     * {@code LayeredSolver.jacobiStep} per hidden layer k: the transposed product (plus the spread where layer k pools
     * its input), the proposal, the forward product of the step (plus the pooling), the line search and the step.
     */
    static List<Arguments> nets() {
        return List.of(
                // k = 1 conv, pooled: 2 + 1 + 2 + 2; k = 2 dense, pooled: 2 + 1 + 2 + 2; k = 3 dense: 1 + 1 + 1 + 2
                Arguments.of("1x8x8-c3k3-p2-c4k3-p2-5-3", 19),
                // k = 1 stride-2 conv: 1 + 1 + 1 + 2; k = 2 dense: the same
                Arguments.of("1x8x8-c4k3s2-6-3", 10),
                // a dense net forced onto the layered path: k = 1, 2 dense
                Arguments.of("20-12-8-3", 10));
    }

    /** What a run leaves: per phase the energies, KKT residual and activations; the gradient; stats; launches skipped. */
    private record Run(List<double[]> energies, List<float[]> activations, float[] gradient, EpochStats stats, long skipped) {
    }

    @ParameterizedTest
    @MethodSource("nets")
    void laterSweepsAreSkippedWithTheSameResults(String net, int gatedPerSweep) {
        NetConfig config = new NetConfig(NetSpec.parse(net), Units.RELU, NetConfig.PAPER_GAMMA);
        Parameters p = TestNets.random(config.net(), 601, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), SAMPLES, 602);
        Run off = run(config, p, data, false, MAX_SWEEPS);
        Run on = run(config, p, data, true, MAX_SWEEPS);
        Run longer = run(config, p, data, true, MAX_SWEEPS + EXTRA_SWEEPS);
        assertEquals(0, off.skipped(), net + ": nothing skipped with the exit off");
        for (Run r : List.of(on, longer)) {
            for (int i = 0; i < off.energies().size(); i++) {
                assertArrayEquals(off.energies().get(i), r.energies().get(i), net + ": energies/KKT " + i);
            }
            for (int i = 0; i < off.activations().size(); i++) {
                assertArrayEquals(off.activations().get(i), r.activations().get(i), net + ": activations " + i);
            }
            assertArrayEquals(off.gradient(), r.gradient(), net + ": contrastive gradient");
            assertEquals(off.stats().sweeps(), r.stats().sweeps(), net + ": sweeps summed over the samples");
            assertEquals(off.stats().inferences(), r.stats().inferences(), net + ": inferences");
        }
        double mean = off.stats().meanSweeps();
        assertTrue(mean >= 1 && mean < MAX_SWEEPS / 4.0, net + ": samples stop early, mean sweeps " + mean);
        assertTrue(on.skipped() > 0, net + ": launches skipped");
        assertEquals(0, on.skipped() % gatedPerSweep, net + ": whole sweeps skipped, " + on.skipped());
        // every sample stopped within MAX_SWEEPS, so the extra sweeps of both phases are skipped whole
        assertEquals(2L * EXTRA_SWEEPS * gatedPerSweep, longer.skipped() - on.skipped(), net + ": the extra sweeps");
        assertEquals(cpuMeanSweeps(config, p, data), mean, TOL_MEAN_SWEEPS, net + ": mean sweeps against the CPU engine");
    }

    private Run run(NetConfig config, Parameters p, Dataset data, boolean earlyExit, int maxSweeps) {
        SolverConfig solver = SolverConfig.tolerance(Solver.JACOBI, TOL, maxSweeps);
        GpuOptions options = GpuOptions.defaults().withPath(GpuEngine.Path.LAYERED).withEarlyExit(earlyExit);
        try (GpuEngine e = create(config, options)) {
            infer(e, p, data, solver);
            List<double[]> energies = new ArrayList<>();
            List<float[]> activations = new ArrayList<>();
            for (Phase phase : new Phase[] {Phase.FREE, Phase.CLAMPED}) {
                energies.add(e.energies(phase));
                energies.add(new double[] {e.kktResidual(phase)});
                for (int k = 1; k <= config.net().layers(); k++) {
                    activations.add(e.activations(phase, k));
                }
            }
            e.computeGradient(Method.CONTRASTIVE);
            return new Run(energies, activations, e.gradient().flatten(), e.drainStats(), e.skippedLaunches());
        }
    }

    private static void infer(Engine e, Parameters p, Dataset data, SolverConfig solver) {
        e.setParameters(p);
        DeviceData d = e.upload(data);
        e.selectBatch(d, TestNets.identity(data.count()), 0, data.count());
        e.forward();
        e.inferFree(solver);
        e.inferClamped(solver);
    }

    private static double cpuMeanSweeps(NetConfig config, Parameters p, Dataset data) {
        try (Engine cpu = Engines.open("cpu", config, 1)) {
            infer(cpu, p, data, SolverConfig.tolerance(Solver.JACOBI, TOL, MAX_SWEEPS));
            return cpu.drainStats().meanSweeps();
        }
    }
}
