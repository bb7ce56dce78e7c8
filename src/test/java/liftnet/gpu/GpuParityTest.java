package liftnet.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import liftnet.TestNets;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.EpochStats;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.cpu.CpuEngine;
import liftnet.data.DataSets;
import liftnet.data.Dataset;
import liftnet.data.DatasetId;
import liftnet.data.Split;
import liftnet.train.EpochResult;
import liftnet.train.TrainConfig;
import liftnet.train.Trainer;
import liftnet.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.stream.Stream;

/**
 * A GPU engine against {@link CpuEngine}, which runs the same red-black Jacobi solver: activations, energies,
 * KKT residuals, gradients, statistics, and one training epoch on MNIST. Subclassed per backend
 * ({@code liftnet.opencl.OclParityTest}, {@code liftnet.cuda.CudaParityTest}); the fused and the layered
 * solver paths are both checked.
 */
public abstract class GpuParityTest {

    /** Skips the test (JUnit assumption with a message) when the backend has no device. */
    protected abstract void assumeDevice();

    /** A new engine of the backend on its first device, forced onto {@code path}. */
    protected abstract GpuEngine create(NetConfig config, GpuEngine.Path path);

    /** Relative agreement of energies (float engines, different summation orders). */
    static final double TOL_ENERGY = 1e-4;
    /** The phases both engines infer here (the negatively nudged one is the CPU engine's only). */
    private static final Phase[] INFERRED = {Phase.FORWARD, Phase.FREE, Phase.CLAMPED};
    /** Agreement of activations, relative to the layer's largest magnitude. */
    static final double TOL_ACTIVATION = 1e-3;
    /** Relative L2 agreement of a layer's gradient. */
    static final double TOL_GRADIENT = 2e-3;

    /** How a case runs: the solver path and, on the fused path, how a step's phases are grouped into launches. */
    record Variant(GpuEngine.Path path, GpuEngine.StepMode step, LayeredSolver.Gemm gemm) {
        Variant(GpuEngine.Path path, GpuEngine.StepMode step) {
            this(path, step, LayeredSolver.Gemm.AUTO);
        }

        @Override
        public String toString() {
            return path + (path == GpuEngine.Path.LAYERED ? "/" + gemm : "/" + step);
        }
    }

    static final List<Variant> VARIANTS = List.of(new Variant(GpuEngine.Path.FUSED, GpuEngine.StepMode.FUSED),
            new Variant(GpuEngine.Path.FUSED, GpuEngine.StepMode.PHASED), new Variant(GpuEngine.Path.FUSED, GpuEngine.StepMode.OFF),
            new Variant(GpuEngine.Path.LAYERED, GpuEngine.StepMode.FUSED, LayeredSolver.Gemm.TILED),
            new Variant(GpuEngine.Path.LAYERED, GpuEngine.StepMode.FUSED, LayeredSolver.Gemm.BLOCKED));

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (Units u : Units.values()) {
            for (Variant v : VARIANTS) {
                b.add(Arguments.of(u, v));
            }
        }
        return b.build();
    }

    private GpuEngine create(NetConfig config, Variant v) {
        GpuEngine e = create(config, v.path());
        e.setStepMode(v.step());
        e.setGemm(v.gemm());
        return e;
    }

    private EnginePair pair(NetConfig config, Variant path, Parameters p, Dataset data) {
        assumeDevice();
        return EnginePair.of(new CpuEngine(config, 1), create(config, path), p, data);
    }

    private static NetConfig config(String net, Units units) {
        return new NetConfig(NetSpec.parse(net), units, NetConfig.PAPER_GAMMA);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void phasesAgreeWithTheCpuEngine(Units units, Variant path) {
        NetConfig config = config("30-24-20-16-10", units);
        Parameters p = TestNets.random(config.net(), 101, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 37, 102);
        SolverConfig solver = SolverConfig.paperDefault();
        try (EnginePair pair = pair(config, path, p, data)) {
            pair.both(e -> e.inferFree(solver));
            pair.both(e -> e.inferClamped(solver));
            for (Phase phase : INFERRED) {
                assertEnergies(pair.cpu().energies(phase), pair.gpu().energies(phase), units + " " + path + " " + phase);
                for (int k = 0; k <= config.net().layers(); k++) {
                    assertActivations(pair.cpu().activations(phase, k), pair.gpu().activations(phase, k),
                            units + " " + path + " " + phase + " layer " + k);
                }
                double kc = pair.cpu().kktResidual(phase);
                double kg = pair.gpu().kktResidual(phase);
                assertEquals(kc, kg, 1e-3 * Math.max(1, kc), phase + " KKT residual");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void gradientsAgreeWithTheCpuEngine(Units units, Variant path) {
        NetConfig config = config("30-24-20-16-10", units);
        Parameters p = TestNets.random(config.net(), 111, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 29, 112);
        SolverConfig solver = SolverConfig.paperDefault();
        for (Method method : Method.values()) {
            if (method == Method.LINEAR) {
                continue; // the same computation as backprop on an input-to-output net, covered below
            }
            try (EnginePair pair = pair(config, path, p, data)) {
                pair.both(e -> {
                    e.inferFree(solver);
                    e.inferClamped(solver);
                    e.computeGradient(method);
                });
                assertGradients(pair.cpu().gradient(), pair.gpu().gradient(), units + " " + path + " " + method);
            }
        }
        NetConfig linear = config("30-10", units);
        Parameters pl = TestNets.random(linear.net(), 113, 1.0, 0.3);
        try (EnginePair pair = pair(linear, path, pl, data)) {
            pair.both(e -> e.computeGradient(Method.LINEAR));
            assertGradients(pair.cpu().gradient(), pair.gpu().gradient(), units + " " + path + " linear");
        }
    }

    /**
     * The register-blocked products ({@link LayeredSolver.Gemm#BLOCKED}) over several 64 x 64 blocks with ragged
     * edges (the cases above fit in one block): layered inference with its back-projections (gemm_nn_blocked), the
     * KKT residual, and backpropagation's gradient (outer_acc_blocked, gemm_nn_blocked) against the CPU engine.
     */
    @ParameterizedTest
    @EnumSource(Units.class)
    void blockedProductsOverSeveralBlocksAgreeWithTheCpuEngine(Units units) {
        NetConfig config = config("150-130-70-10", units);
        Parameters p = TestNets.random(config.net(), 131, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 140, 132);
        SolverConfig solver = SolverConfig.paperDefault();
        Variant blocked = new Variant(GpuEngine.Path.LAYERED, GpuEngine.StepMode.FUSED, LayeredSolver.Gemm.BLOCKED);
        for (Method method : new Method[] {Method.CONTRASTIVE, Method.BACKPROP}) {
            try (EnginePair pair = pair(config, blocked, p, data)) {
                pair.both(e -> {
                    e.inferFree(solver);
                    e.inferClamped(solver);
                });
                for (Phase phase : INFERRED) {
                    assertEnergies(pair.cpu().energies(phase), pair.gpu().energies(phase), units + " blocked " + phase);
                    double kc = pair.cpu().kktResidual(phase);
                    assertEquals(kc, pair.gpu().kktResidual(phase), 1e-3 * Math.max(1, kc), units + " blocked " + phase + " KKT");
                }
                pair.both(e -> e.computeGradient(method));
                assertGradients(pair.cpu().gradient(), pair.gpu().gradient(), units + " blocked " + method);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void toleranceRulesStopAlike(Units units, Variant path) {
        NetConfig config = config("30-24-20-16-10", units);
        Parameters p = TestNets.random(config.net(), 121, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 21, 122);
        for (SolverConfig solver : new SolverConfig[] {SolverConfig.tolerance(Solver.JACOBI, 1e-4, 50),
                new SolverConfig(Solver.JACOBI, 50, liftnet.api.StopRule.KKT, 1e-3)}) {
            try (EnginePair pair = pair(config, path, p, data)) {
                pair.both(e -> {
                    e.drainStats();
                    e.inferFree(solver);
                    e.inferClamped(solver);
                });
                EpochStats sc = pair.cpu().drainStats();
                EpochStats sg = pair.gpu().drainStats();
                String what = units + " " + path + " " + solver.stop();
                assertEquals(sc.inferences(), sg.inferences(), what + " sample inferences");
                assertTrue(sg.sweeps() < 50L * sg.inferences(), what + ": the rule never stopped");
                // float rounding may move a stop by a sweep for samples right at the tolerance
                assertEquals(sc.meanSweeps(), sg.meanSweeps(), 0.5, what + " mean sweeps");
                for (Phase phase : new Phase[] {Phase.FREE, Phase.CLAMPED}) {
                    assertEnergies(pair.cpu().energies(phase), pair.gpu().energies(phase), what + " " + phase);
                }
            }
        }
    }

    @Test
    void updatesAndMetricsAgreeWithTheCpuEngine() {
        NetConfig config = config("30-24-20-16-10", Units.HARDSIGMOID);
        Parameters p = TestNets.random(config.net(), 131, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 41, 132);
        try (EnginePair pair = pair(config, new Variant(GpuEngine.Path.AUTO, GpuEngine.StepMode.FUSED), p, data)) {
            pair.both(e -> {
                e.drainStats();
                e.inferFree(SolverConfig.paperDefault());
                e.inferClamped(SolverConfig.paperDefault());
                e.accumulateMetrics(Phase.FREE);
            });
            EpochStats sc = pair.cpu().drainStats();
            EpochStats sg = pair.gpu().drainStats();
            assertEquals(sc.samples(), sg.samples());
            assertEquals(sc.correct(), sg.correct());
            assertEquals(sc.inferences(), sg.inferences());
            assertEquals(sc.sweeps(), sg.sweeps());
            for (int k = 0; k < sc.linearUnits().length; k++) {
                assertEquals(sc.linearUnits()[k], sg.linearUnits()[k], 0.01 * sc.linearUnits()[k] + 2, "linear units, hidden layer " + (k + 1));
            }
            assertEquals(sc.freeEnergy(), sg.freeEnergy(), TOL_ENERGY * sc.freeEnergy());
            assertEquals(sc.clampedEnergy(), sg.clampedEnergy(), TOL_ENERGY * sc.clampedEnergy());
            pair.both(e -> {
                e.computeGradient(Method.CONTRASTIVE);
                e.applyUpdate(new double[] {0.1, 0.2, 0.3, 0.4});
            });
            assertGradients(pair.cpu().parameters(), pair.gpu().parameters(), "parameters after an update");
        }
    }

    /**
     * One epoch of contrastive training on 5,000 MNIST samples (paper net and settings), then the first 2,000
     * test samples: test accuracy within one point of the CPU engine. Fails without {@code data/mnist} (mvn test fetches it).
     */
    @Test
    void oneMnistEpochMatchesTheCpuEngine() throws java.io.IOException {
        assumeDevice();
        Path dir = liftnet.TestData.mnist();
        Dataset train = DataSets.load(DatasetId.MNIST, dir, Split.TRAIN).head(5000);
        Dataset test = DataSets.load(DatasetId.MNIST, dir, Split.TEST).head(2000);
        NetConfig net = config("784-64-64-64-10", Units.RELU);
        TrainConfig tc = new TrainConfig(net, Method.CONTRASTIVE, 1, TrainConfig.PAPER_BATCH, TrainConfig.PAPER_LEARNING_RATE,
                0, 1, SolverConfig.paperDefault(), 7, 0);
        Parameters p0 = Parameters.initial(net.net(), tc.seed());
        double[] accuracy = new double[2];
        double[] energy = new double[2];
        int i = 0;
        for (Engine e : new Engine[] {new CpuEngine(net, 2), create(net, GpuEngine.Path.AUTO)}) {
            e.setParameters(p0);
            try (e; TrainingRun run = new TrainingRun(e, tc, train, test, false)) {
                EpochResult r = run.nextEpoch();
                accuracy[i] = r.testAccuracy();
                energy[i] = r.freeEnergy();
                i++;
            }
        }
        // One contrastive epoch on 5,000 samples reaches about 60 %: enough to show that both engines learn.
        assertTrue(accuracy[0] > 0.3, "CPU engine accuracy after one epoch: " + accuracy[0]);
        assertEquals(accuracy[0], accuracy[1], 0.01, "test accuracy, CPU " + accuracy[0] + " vs GPU " + accuracy[1]);
        assertEquals(energy[0], energy[1], 0.05 * energy[0], "mean free energy on the test set, CPU " + energy[0] + " vs GPU " + energy[1]);
    }

    /**
     * The paper's step at batch 50 on its two nets: one {@code fused_step} and one {@code grad_update} launch per
     * step (four with a launch per phase), no host synchronisation between the epoch's statistics reads, and a
     * device time for each phase the launches ran. Skips where the device's local memory cannot hold the hidden
     * weights (the engine then takes {@code fused_solve}).
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"784-64-64-64-10", "784-128-64-64-32-10"})
    void aPaperStepIsAtMostFourLaunchesWithoutHostSyncs(String net) {
        assumeDevice();
        NetConfig config = config(net, Units.RELU);
        Dataset data = TestNets.randomData(config.net(), 150, 141);
        TrainConfig tc = new TrainConfig(config, Method.CONTRASTIVE, 1, TrainConfig.PAPER_BATCH, TrainConfig.PAPER_LEARNING_RATE,
                0, 1, SolverConfig.paperDefault(), 7, 0);
        for (GpuEngine.StepMode mode : new GpuEngine.StepMode[] {GpuEngine.StepMode.FUSED, GpuEngine.StepMode.PHASED}) {
            try (GpuEngine e = create(config, GpuEngine.Path.AUTO)) {
                e.setStepMode(mode);
                assumeTrue(e.usesStepKernel(), net + ": the hidden weights do not fit the local memory of " + e.name());
                e.setParameters(Parameters.initial(config.net(), 7));
                DeviceData d = e.upload(data);
                assertTrue(e.enableProfiling());
                new Trainer(e, tc).trainEpoch(d, 1, null);
                liftnet.api.EngineProfile p = e.drainProfile();
                int perStep = mode == GpuEngine.StepMode.FUSED ? 2 : 4;
                assertEquals(3, p.steps(), mode + " steps");
                assertEquals(3L * perStep, p.launches(), mode + " launches");
                assertEquals(0, p.hostSyncs(), mode + " host synchronisations inside the epoch");
                List<String> phases = mode == GpuEngine.StepMode.FUSED ? List.of("forward+free+clamped", "gradient+update")
                        : List.of("forward", "free", "clamped", "gradient+update");
                assertEquals(new java.util.TreeSet<>(phases), new java.util.TreeSet<>(p.deviceSeconds().keySet()), mode + " timed phases");
                p.deviceSeconds().forEach((k, v) -> assertTrue(v > 0, mode + " " + k + " device time " + v));
            }
        }
    }

    /**
     * Epoch replay (CUDA: the epoch's launches captured once into a CUDA graph, replayed in later epochs; OpenCL:
     * the first epoch's steps recorded and launched at its end) trains exactly as launching step by step: the same
     * kernels on the same data, so the same bits.
     */
    /** The profile's matrix products: the forward pass is one {@code gemm_nt} per layer of {@code 2 B n_{k+1} n_k} flops. */
    @Test
    void theProfileCountsTheFlopsOfEachProduct() {
        assumeDevice();
        NetConfig config = config("30-24-20-16-10", Units.RELU);
        Dataset data = TestNets.randomData(config.net(), 37, 141);
        try (GpuEngine e = create(config, GpuEngine.Path.LAYERED)) {
            e.setParameters(TestNets.random(config.net(), 142, 1.0, 0.3));
            DeviceData d = e.upload(data);
            assertTrue(e.enableProfiling());
            e.selectBatch(d, TestNets.identity(data.count()), 0, data.count());
            e.forward();
            e.energies(Phase.FORWARD);
            liftnet.api.EngineProfile p = e.drainProfile();
            double flops = 0;
            for (int k = 0; k < config.net().layers(); k++) {
                flops += 2.0 * data.count() * config.net().width(k + 1) * config.net().width(k);
            }
            assumeTrue(!p.deviceSeconds().isEmpty(), "the device has no timers");
            assertEquals(Set.of("gemm_nt"), p.products().keySet(), "products of a forward pass");
            liftnet.api.EngineProfile.Product g = p.products().get("gemm_nt");
            assertEquals(config.net().layers(), g.launches(), "gemm_nt launches");
            assertEquals(flops, g.flops(), 0.5, "gemm_nt flops");
            assertTrue(g.seconds() > 0, "device time of the products");
        }
    }

    @Test
    void epochReplayTrainsLikeLaunchingEachStep() {
        assumeDevice();
        NetConfig config = config("30-24-20-16-10", Units.RELU);
        Dataset data = TestNets.randomData(config.net(), 120, 151);
        TrainConfig tc = new TrainConfig(config, Method.CONTRASTIVE, 3, 20, 0.02, 0, 1, SolverConfig.paperDefault(), 7, 0);
        float[][] params = new float[2][];
        long[] updates = new long[2];
        for (int graphs = 0; graphs <= 1; graphs++) {
            try (GpuEngine e = create(config, GpuEngine.Path.AUTO)) {
                e.setStepMode(GpuEngine.StepMode.FUSED);
                e.setGraphs(graphs == 1);
                e.setParameters(TestNets.random(config.net(), 152, 1.0, 0.1));
                DeviceData d = e.upload(data);
                Trainer trainer = new Trainer(e, tc);
                for (int epoch = 1; epoch <= 3; epoch++) {
                    updates[graphs] += trainer.trainEpoch(d, epoch, null).updates();
                }
                params[graphs] = e.parameters().flatten();
            }
        }
        assertEquals(18, updates[0]);
        assertEquals(updates[0], updates[1], "updates counted");
        org.junit.jupiter.api.Assertions.assertArrayEquals(params[0], params[1], "parameters after three epochs");
    }

    // ---- assertions ----

    static void assertEnergies(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": batch size");
        for (int r = 0; r < expected.length; r++) {
            assertEquals(expected[r], actual[r], TOL_ENERGY * Math.abs(expected[r]) + 1e-7,
                    what + ": energy of sample " + r);
        }
    }

    static void assertActivations(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": size");
        double scale = 0;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], TOL_ACTIVATION * Math.max(1, scale), what + ": entry " + i);
        }
    }

    static void assertGradients(Parameters expected, Parameters actual, String what) {
        for (int k = 0; k < expected.net().layers(); k++) {
            for (boolean bias : new boolean[] {false, true}) {
                float[] e = bias ? expected.bias(k) : expected.weight(k);
                float[] a = bias ? actual.bias(k) : actual.weight(k);
                double diff = 0;
                double norm = 0;
                for (int i = 0; i < e.length; i++) {
                    diff += (double) (e[i] - a[i]) * (e[i] - a[i]);
                    norm += (double) e[i] * e[i];
                }
                assertTrue(Math.sqrt(diff) <= TOL_GRADIENT * Math.sqrt(norm) + 1e-7,
                        what + ": " + (bias ? "b" : "W") + k + " relative error " + Math.sqrt(diff / Math.max(norm, 1e-30)));
            }
        }
    }
}
