package liftnet.gpu;

import static liftnet.gpu.GpuParityTest.assertActivations;
import static liftnet.gpu.GpuParityTest.assertEnergies;
import static liftnet.gpu.GpuParityTest.assertGradients;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import liftnet.TestNets;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.EngineProfile;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Nudge;
import liftnet.api.OptimizerConfig;
import liftnet.api.OutputLoss;
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
import liftnet.train.NudgeBound;
import liftnet.train.NudgeBoundException;
import liftnet.train.Schedule;
import liftnet.train.TrainConfig;
import liftnet.train.Trainer;
import liftnet.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Symmetric nudging on a GPU engine against the CPU engine: the negatively nudged phase ({@code min E - beta l}, the
 * soft clamp's prox with {@code -beta}) on every solver path (fused step, phased, fused_solve, layered) and on conv
 * nets with and without average pooling, its energies, activations and KKT residuals; the symmetric gradient {@code (dE(z_clamped) - dE(z_negative)) / 2};
 * training from the same seed; epoch replay; the launches and host synchronisations of a symmetric step; and the
 * convexity check's refusal, with the CPU engine's message. Subclassed per backend
 * ({@code liftnet.opencl.OclSymmetricNudgeParityTest}, {@code liftnet.cuda.CudaSymmetricNudgeParityTest}).
 */
public abstract class GpuSymmetricNudgeParityTest {

    /** Skips the test (JUnit assumption with a message) when the backend has no device. */
    protected abstract void assumeDevice();

    /** A new engine of the backend on its first device, forced onto {@code path}. */
    protected abstract GpuEngine create(NetConfig config, GpuEngine.Path path);

    /**
     * The dense net of the phase cases (fits every fused path), the conv net and the conv net with average pooling
     * (always the layered path).
     */
    static final String DENSE = "30-24-20-16-10";
    static final String CONV = GpuConvParityTest.NETS[0];
    static final String POOLED = GpuConvParityTest.POOLING_NETS[0];
    /** Feedback weight of the small cases: g = gamma^(L-1) and the bound well above float rounding. */
    static final double GAMMA = 0.5;
    /** beta as a fraction of the convexity bound of {@code E - beta l} at the case's weights ({@link NudgeBound}). */
    static final double BOUND_FRACTION = 0.5;
    /** Relative agreement of the energies of converged phases (both engines at the float minimiser). */
    static final double TOL_CONVERGED_ENERGY = 1e-5;
    /** KKT residual both engines reach after {@link #CONVERGED} sweeps. */
    static final double TOL_KKT = 1e-4;
    /** Sweeps that take the small nets to the float minimiser. */
    static final SolverConfig CONVERGED = SolverConfig.fixed(Solver.JACOBI, 300);
    /** Test accuracy (in [0, 1]) the engines may differ by after one MNIST epoch from the same seed, as for the hard clamp. */
    static final double TOL_ACCURACY = 0.01;

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (OutputLoss.Kind kind : OutputLoss.Kind.values()) {
            for (GpuParityTest.Variant v : GpuParityTest.VARIANTS) {
                b.add(Arguments.of(kind, DENSE, v));
            }
            for (String net : new String[] {CONV, POOLED}) {
                b.add(Arguments.of(kind, net, new GpuParityTest.Variant(GpuEngine.Path.AUTO, GpuEngine.StepMode.FUSED)));
            }
        }
        return b.build();
    }

    /** {@link #cases()} with one step mode per path (the phases are the same kernels): fused, fused_solve, layered, conv. */
    static Stream<Arguments> pathCases() {
        return cases().filter(a -> ((GpuParityTest.Variant) a.get()[2]).step() == GpuEngine.StepMode.FUSED
                || ((GpuParityTest.Variant) a.get()[2]).step() == GpuEngine.StepMode.OFF);
    }

    /** {@code net} with ReLU units, gamma {@link #GAMMA}, a {@code kind} soft clamp at {@code fraction} of the bound at {@code p}. */
    static NetConfig nudged(String net, OutputLoss.Kind kind, Parameters p, double fraction) {
        NetConfig probe = new NetConfig(NetSpec.parse(net), Units.RELU, GAMMA, new OutputLoss(kind, 1));
        return probe.withOutputLoss(new OutputLoss(kind, fraction * new NudgeBound(probe).bound(p)));
    }

    private GpuEngine create(NetConfig config, GpuParityTest.Variant v) {
        GpuEngine e = create(config, v.path());
        e.setStepMode(v.step());
        e.setGemm(v.gemm());
        return e;
    }

    private EnginePair pair(NetConfig config, GpuParityTest.Variant v, Parameters p, Dataset data) {
        assumeDevice();
        return EnginePair.of(new CpuEngine(config, 1), create(config, v), p, data);
    }

    /**
     * The paper's 15 sweeps of the free, clamped and negative phases: the same iterates (energies, activations, KKT
     * residuals) on both engines; then the symmetric gradient, relative to itself (both engines sum it from the phases'
     * difference, so the rounding of their residuals no longer enters), and the lifted gradient.
     */
    @ParameterizedTest
    @MethodSource("cases")
    void negativePhaseAndSymmetricGradientAgreeWithTheCpuEngine(OutputLoss.Kind kind, String net, GpuParityTest.Variant v) {
        Parameters p = TestNets.random(NetSpec.parse(net), 301, 1.5, 0.3);
        NetConfig config = nudged(net, kind, p, BOUND_FRACTION);
        Dataset data = TestNets.randomData(config.net(), 23, 302);
        SolverConfig solver = SolverConfig.paperDefault();
        String what = kind + " " + net + " " + v;
        try (EnginePair pair = pair(config, v, p, data)) {
            pair.both(e -> {
                e.inferFree(solver);
                e.inferClamped(solver);
                e.inferNegative(solver);
            });
            for (Phase phase : new Phase[] {Phase.FREE, Phase.CLAMPED, Phase.NEGATIVE}) {
                assertEnergies(pair.cpu().energies(phase), pair.gpu().energies(phase), what + " " + phase);
                for (int k = 1; k <= config.net().layers(); k++) {
                    assertActivations(pair.cpu().activations(phase, k), pair.gpu().activations(phase, k),
                            what + " " + phase + " layer " + k);
                }
                double kc = pair.cpu().kktResidual(phase);
                assertEquals(kc, pair.gpu().kktResidual(phase), 1e-3 * Math.max(1, kc), what + " " + phase + " KKT residual");
            }
            pair.both(e -> e.computeGradient(Method.CONTRASTIVE));
            Parameters symmetric = pair.cpu().gradient();
            Parameters gpuSymmetric = pair.gpu().gradient();
            pair.both(e -> e.computeGradient(Method.LIFTED));
            assertGradients(pair.cpu().gradient(), pair.gpu().gradient(), what + " lifted");
            // both engines sum it from the phases' difference: agreement relative to itself, as any gradient's
            assertGradients(symmetric, gpuSymmetric, what + " symmetric");
        }
    }

    /** Converged negative phases: both engines reach its KKT point, at the same minimum of {@code E - beta l}. */
    @ParameterizedTest
    @MethodSource("pathCases")
    void convergedNegativePhasesReachTheSameMinimum(OutputLoss.Kind kind, String net, GpuParityTest.Variant v) {
        Parameters p = TestNets.random(NetSpec.parse(net), 311, 1.0, 0.3);
        NetConfig config = nudged(net, kind, p, BOUND_FRACTION);
        Dataset data = TestNets.randomData(config.net(), 13, 312);
        try (EnginePair pair = pair(config, v, p, data)) {
            pair.both(e -> {
                e.inferFree(CONVERGED);
                e.inferNegative(CONVERGED);
            });
            double[] ec = pair.cpu().energies(Phase.NEGATIVE);
            double[] eg = pair.gpu().energies(Phase.NEGATIVE);
            for (int r = 0; r < ec.length; r++) {
                assertEquals(ec[r], eg[r], TOL_CONVERGED_ENERGY * Math.abs(ec[r]) + 1e-9, kind + " " + net + " " + v + " sample " + r);
            }
            assertTrue(pair.gpu().kktResidual(Phase.NEGATIVE) <= TOL_KKT, "GPU KKT " + pair.gpu().kktResidual(Phase.NEGATIVE));
        }
    }

    private static TrainConfig symmetric(NetConfig config, int epochs, int batch, double rate, int seed) {
        return new TrainConfig(config, Method.CONTRASTIVE, epochs, batch, rate, 0, 1, SolverConfig.paperDefault(), seed, 0,
                OptimizerConfig.sgd(), Schedule.constant(), false, Nudge.SYMMETRIC);
    }

    /** Three symmetric steps through the trainer, dense and conv, both losses: the same parameters on both engines. */
    @ParameterizedTest
    @MethodSource("pathCases")
    void symmetricStepsTrainAsTheCpuEngineDoes(OutputLoss.Kind kind, String net, GpuParityTest.Variant v) {
        assumeDevice();
        Parameters p = TestNets.random(NetSpec.parse(net), 321, 1.0, 0.1);
        NetConfig config = nudged(net, kind, p, BOUND_FRACTION);
        Dataset data = TestNets.randomData(config.net(), 30, 322);
        TrainConfig tc = symmetric(config, 1, 10, 0.05, 7);
        Parameters[] after = new Parameters[2];
        double[] bounds = new double[2];
        int i = 0;
        for (Engine e : new Engine[] {new CpuEngine(config, 1), create(config, v)}) {
            try (e) {
                e.setParameters(p);
                Trainer trainer = new Trainer(e, tc);
                trainer.trainEpoch(e.upload(data), 1, null);
                after[i] = e.parameters();
                bounds[i++] = trainer.epochNudgeBound();
            }
        }
        assertGradients(after[0], after[1], kind + " " + net + " " + v + ": parameters after three symmetric steps");
        // the CPU engine's smallest bound over the epoch's steps is at most the GPU's at its start and end
        assertTrue(bounds[0] <= bounds[1] * (1 + 1e-6) && bounds[0] > 0.9 * bounds[1], "bounds " + bounds[0] + " " + bounds[1]);
    }

    /**
     * One symmetric epoch on 5,000 MNIST samples (paper net, squared loss, beta a tenth of g, the rate that steps like
     * back-propagation at eta 0.05), then the first 2,000 test samples: test accuracy within {@link #TOL_ACCURACY} of the
     * CPU engine from the same seed. Fails without {@code data/mnist}.
     */
    @Test
    void oneSymmetricMnistEpochMatchesTheCpuEngine() throws java.io.IOException {
        assumeDevice();
        Path dir = liftnet.TestData.mnist();
        Dataset train = DataSets.load(DatasetId.MNIST, dir, Split.TRAIN).head(5000);
        Dataset test = DataSets.load(DatasetId.MNIST, dir, Split.TEST).head(2000);
        NetConfig probe = new NetConfig(NetSpec.parse("784-64-64-64-10"), Units.RELU, NetConfig.PAPER_GAMMA);
        double g = probe.termWeight(probe.net().layers() - 1);
        double beta = 0.1 * g;
        NetConfig net = probe.withOutputLoss(new OutputLoss(OutputLoss.Kind.SQUARED, beta));
        TrainConfig tc = symmetric(net, 1, TrainConfig.PAPER_BATCH, TrainConfig.PAPER_LEARNING_RATE * g / beta, 7);
        Parameters p0 = Parameters.initial(net.net(), tc.seed());
        double[] accuracy = new double[2];
        int i = 0;
        for (Engine e : new Engine[] {new CpuEngine(net, 2), create(net, GpuEngine.Path.AUTO)}) {
            e.setParameters(p0);
            try (e; TrainingRun run = new TrainingRun(e, tc, train, test, false)) {
                EpochResult r = run.nextEpoch();
                accuracy[i++] = r.testAccuracy();
            }
        }
        assertTrue(accuracy[0] > 0.3, "CPU engine accuracy after one symmetric epoch: " + accuracy[0]);
        assertEquals(accuracy[0], accuracy[1], TOL_ACCURACY, "test accuracy, CPU " + accuracy[0] + " vs GPU " + accuracy[1]);
    }

    /** Epoch replay records symmetric steps too: three epochs with and without it give the same bits. */
    @Test
    void epochReplayTrainsSymmetricStepsLikeLaunchingEachStep() {
        assumeDevice();
        Parameters p = TestNets.random(NetSpec.parse(DENSE), 331, 1.0, 0.1);
        NetConfig config = nudged(DENSE, OutputLoss.Kind.CROSS_ENTROPY, p, BOUND_FRACTION);
        Dataset data = TestNets.randomData(config.net(), 120, 332);
        TrainConfig tc = symmetric(config, 3, 20, 0.02, 7);
        float[][] params = new float[2][];
        for (int graphs = 0; graphs <= 1; graphs++) {
            try (GpuEngine e = create(config, GpuEngine.Path.AUTO)) {
                e.setStepMode(GpuEngine.StepMode.FUSED);
                e.setGraphs(graphs == 1);
                e.setParameters(p);
                DeviceData d = e.upload(data);
                Trainer trainer = new Trainer(e, tc);
                for (int epoch = 1; epoch <= 3; epoch++) {
                    assertEquals(6, trainer.trainEpoch(d, epoch, null).updates(), "updates of epoch " + epoch);
                }
                params[graphs] = e.parameters().flatten();
            }
        }
        assertArrayEquals(params[0], params[1], "parameters after three epochs");
    }

    /**
     * A symmetric step on the step kernel is two launches ({@code fused_step} with the negative phase, {@code
     * grad_update}; five with a launch per phase) and the difference form's {@code L} before {@code grad_update} (the
     * phases' difference, then {@code W_k dz_k} for {@code k >= 1}), a conv step the same launches every step; no step
     * waits for the device: the epoch's host synchronisations are the convexity check's two reads of the weights,
     * whatever its steps.
     */
    @Test
    void aSymmetricStepHasNoHostSyncs() {
        assumeDevice();
        for (String net : new String[] {"784-64-64-64-10", CONV}) {
            Parameters p = Parameters.initial(NetSpec.parse(net), 7);
            NetConfig config = nudged(net, OutputLoss.Kind.SQUARED, p, BOUND_FRACTION);
            boolean conv = net.equals(CONV);
            for (GpuEngine.StepMode mode : conv ? new GpuEngine.StepMode[] {GpuEngine.StepMode.FUSED}
                    : new GpuEngine.StepMode[] {GpuEngine.StepMode.FUSED, GpuEngine.StepMode.PHASED}) {
                for (int steps : new int[] {3, 6}) {
                    Dataset data = TestNets.randomData(config.net(), 10 * steps, 341);
                    try (GpuEngine e = create(config, GpuEngine.Path.AUTO)) {
                        e.setStepMode(mode);
                        assumeTrue(conv || e.usesStepKernel(), net + ": the hidden weights do not fit the local memory of " + e.name());
                        e.setParameters(p);
                        DeviceData d = e.upload(data);
                        assertTrue(e.enableProfiling());
                        new Trainer(e, symmetric(config, 1, 10, 0.01, 7)).trainEpoch(d, 1, null);
                        EngineProfile prof = e.drainProfile();
                        String what = net + " " + mode + " " + steps + " steps";
                        assertEquals(steps, prof.steps(), what);
                        assertEquals(2, prof.hostSyncs(), what + ": host synchronisations (the bound's two reads)");
                        if (conv) {
                            assertEquals(0, prof.launches() % steps, what + ": the same launches every step: " + prof.launches());
                            continue;
                        }
                        int perStep = (mode == GpuEngine.StepMode.FUSED ? 2 : 5) + config.net().layers();
                        assertEquals((long) steps * perStep, prof.launches(), what + " launches");
                        List<String> phases = mode == GpuEngine.StepMode.FUSED
                                ? List.of(Launcher.STEP_SYMMETRIC, Launcher.GRADIENT_UPDATE)
                                : List.of(Launcher.FORWARD, Launcher.FREE, Launcher.CLAMPED, Launcher.NEGATIVE, Launcher.GRADIENT_UPDATE);
                        assumeTrue(!prof.deviceSeconds().isEmpty(), "the device has no timers");
                        assertEquals(new TreeSet<>(phases), new TreeSet<>(prof.deviceSeconds().keySet()), what + " timed phases");
                    }
                }
            }
        }
    }

    /**
     * Weights whose bound is below beta: the GPU trainer refuses before the first step with the CPU engine's message
     * (epoch 1, batch 1) and applies nothing; the same net trains at half the bound.
     */
    @ParameterizedTest
    @EnumSource(OutputLoss.Kind.class)
    void trainerRefusesBetaAboveTheBoundAsOnTheCpuEngine(OutputLoss.Kind kind) {
        assumeDevice();
        for (String net : new String[] {DENSE, CONV}) {
            Parameters p = TestNets.random(NetSpec.parse(net), 351, 2, 0.3);
            NetConfig over = nudged(net, kind, p, 1.05);
            Dataset data = TestNets.randomData(over.net(), 40, 352);
            String[] messages = new String[2];
            int i = 0;
            for (Engine e : new Engine[] {new CpuEngine(over, 1), create(over, GpuEngine.Path.AUTO)}) {
                try (e) {
                    e.setParameters(p);
                    Trainer trainer = new Trainer(e, symmetric(over, 1, 10, 1e-3, 1));
                    DeviceData d = e.upload(data);
                    NudgeBoundException ex = assertThrows(NudgeBoundException.class, () -> trainer.trainEpoch(d, 1, null));
                    messages[i++] = ex.getMessage();
                    assertEquals(p, e.parameters(), net + ": no update before the refusal");
                }
            }
            assertTrue(messages[0].contains("epoch 1, batch 1") && messages[0].contains("exceeds the bound"), messages[0]);
            assertEquals(messages[0], messages[1], net + " " + kind + ": the GPU engine's refusal");
            NetConfig under = nudged(net, kind, p, BOUND_FRACTION);
            try (GpuEngine e = create(under, GpuEngine.Path.AUTO)) {
                e.setParameters(p);
                Trainer trainer = new Trainer(e, symmetric(under, 1, 10, 1e-3, 1));
                trainer.trainEpoch(e.upload(data), 1, null);
                double beta = under.outputLoss().weight();
                assertTrue(trainer.epochNudgeBound() > beta, net + ": bound " + trainer.epochNudgeBound() + " above beta " + beta);
            }
        }
    }

    /**
     * The check at an epoch's end: weights that leave the convex region during the epoch (here: tripled after its last
     * batch, through the progress callback) stop the GPU trainer with the bound at those weights, named as the weights
     * after the epoch's last batch; the epoch reports no bound of its own then.
     */
    @Test
    void weightsPastTheBoundAtTheEpochsEndStopTheGpuTrainer() {
        assumeDevice();
        Parameters p = TestNets.random(NetSpec.parse(DENSE), 361, 1.0, 0.1);
        NetConfig config = nudged(DENSE, OutputLoss.Kind.SQUARED, p, BOUND_FRACTION);
        Parameters tripled = p.copy();
        for (int k = 0; k < tripled.net().layers(); k++) {
            float[] w = tripled.weight(k);
            for (int i = 0; i < w.length; i++) {
                w[i] *= 3;
            }
        }
        double after = new NudgeBound(config).bound(tripled);
        double beta = config.outputLoss().weight();
        assertTrue(after < beta, "tripled weights must put the bound " + after + " below beta " + beta);
        Dataset data = TestNets.randomData(config.net(), 40, 362);
        try (GpuEngine e = create(config, GpuEngine.Path.AUTO)) {
            e.setParameters(p);
            Trainer trainer = new Trainer(e, symmetric(config, 1, 10, 1e-3, 1));
            DeviceData d = e.upload(data);
            NudgeBoundException ex = assertThrows(NudgeBoundException.class, () -> trainer.trainEpoch(d, 1, done -> {
                if (done == data.count()) {
                    e.setParameters(tripled);
                }
            }));
            assertEquals(after, ex.bound(), 1e-9 * after, "the bound at the weights the epoch ended with");
            assertTrue(ex.getMessage().contains("not convex at the weights after epoch 1, batch 4"), ex.getMessage());
        }
    }
}
