package liftnet.gpu;

import static liftnet.gpu.GpuParityTest.assertActivations;
import static liftnet.gpu.GpuParityTest.assertEnergies;
import static liftnet.gpu.GpuParityTest.assertGradients;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.stream.Stream;
import liftnet.TestNets;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.EngineProfile;
import liftnet.api.Engines;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.OptimizerConfig;
import liftnet.api.OutputLoss;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.data.DataSets;
import liftnet.data.Dataset;
import liftnet.data.DatasetId;
import liftnet.data.Split;
import liftnet.train.EpochResult;
import liftnet.train.Schedule;
import liftnet.train.TrainConfig;
import liftnet.train.Trainer;
import liftnet.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A GPU engine on nets with convolutional layers ({@code kernels/conv.cl}, always the layered path) and average
 * pooling ({@code kernels/pool.cl}, {@code PooledProducts}) against the CPU engine ({@code --device cpu}, which runs
 * convolutions through {@code liftnet.solve.LayerSolver} and pooling through {@code liftnet.solve.PooledOp}):
 * energies and KKT residuals of both phases, activations, the gradients of every method, the soft clamp, the
 * stateful update rules, the launches and host synchronisations of a step, and two epochs of MNIST training from the
 * same seed.
 * Subclassed per backend ({@code liftnet.opencl.OclConvParityTest}, {@code liftnet.cuda.CudaConvParityTest}).
 */
public abstract class GpuConvParityTest {

    /** Relative agreement of the energies of converged phases (both engines at the float minimiser). */
    static final double TOL_CONVERGED_ENERGY = 1e-5;
    /** KKT residual both engines must reach after {@link #CONVERGED} sweeps. */
    static final double TOL_KKT = 1e-4;
    /**
     * Test accuracy (in [0, 1]) two engines may differ by after two short epochs from the same seed: one point, as the
     * dense MNIST parity test allows (the engines' rounding differs, and 80 steps at four times the paper's rate
     * amplify it); the 0.5-point target is judged on the CLI run of the full conv net (2,000 samples, 2 epochs).
     */
    static final double TOL_ACCURACY = 0.01;
    /** Sweeps that take the test nets to the float minimiser. */
    static final SolverConfig CONVERGED = SolverConfig.fixed(Solver.JACOBI, 300);
    /** eta_BP of the MNIST test: four times the paper's, so that two short epochs learn. */
    static final double MNIST_RATE = 0.2;
    /** Adam's epsilon in {@link #updateRulesAgreeWithTheCpuEngine}. */
    static final double ADAM_EPSILON = 1e-3;

    /**
     * Stride 2 on the input layer (a 2-pixel-period column norm), then stride 2 on a hidden layer with ragged odd
     * maps (7 -> 4), two channels in: every index path of conv.cl, with a dense hidden layer after the convolutions.
     */
    static final String[] NETS = {"1x8x8-c3k3s2-c4k3-6-3", "2x7x7-c3k3-c4k3s2-5-3"};

    /**
     * Average pooling into a convolution and into a dense layer (p2 twice: the pooled conv layer's column norms and
     * transposed product, the pooled dense layer's), and p3 after a stride-2 convolution into the first dense layer.
     */
    static final String[] POOLING_NETS = {"1x8x8-c3k3-p2-c4k3-p2-5-3", "2x12x12-c3k3s2-p3-5-3"};

    /** Skips the test (JUnit assumption with a message) when the backend has no device. */
    protected abstract void assumeDevice();

    /** A new engine of the backend on its first device. */
    protected abstract GpuEngine create(NetConfig config);

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (String[] nets : new String[][] {NETS, POOLING_NETS}) {
            for (String net : nets) {
                for (Units u : Units.values()) {
                    b.add(Arguments.of(net, u));
                }
            }
        }
        return b.build();
    }

    /** The first conv net and the first pooling net, each with every value of {@code values}. */
    private static Stream<Arguments> convAndPooling(Enum<?>[] values) {
        Stream.Builder<Arguments> b = Stream.builder();
        for (String net : new String[] {NETS[0], POOLING_NETS[0]}) {
            for (Enum<?> v : values) {
                b.add(Arguments.of(net, v));
            }
        }
        return b.build();
    }

    static Stream<Arguments> softClampCases() {
        return convAndPooling(OutputLoss.Kind.values());
    }

    static Stream<String> stepNets() {
        return Stream.of(NETS[0], POOLING_NETS[0]);
    }

    static Stream<Arguments> updateRuleCases() {
        return Stream.of(NETS[1], POOLING_NETS[1]).flatMap(net ->
                java.util.Arrays.stream(OptimizerConfig.Kind.values()).map(kind -> Arguments.of(net, kind)));
    }

    private EnginePair pair(NetConfig config, Parameters p, Dataset data) {
        assumeDevice();
        return EnginePair.of(Engines.open("cpu", config, 1), create(config), p, data);
    }

    private static NetConfig config(String net, Units units) {
        return new NetConfig(NetSpec.parse(net), units, NetConfig.PAPER_GAMMA);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void phasesAgreeWithTheCpuEngine(String net, Units units) {
        NetConfig config = config(net, units);
        Parameters p = TestNets.random(config.net(), 201, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 19, 202);
        SolverConfig solver = SolverConfig.paperDefault();
        try (EnginePair pair = pair(config, p, data)) {
            pair.both(e -> e.inferFree(solver));
            pair.both(e -> e.inferClamped(solver));
            for (Phase phase : new Phase[] {Phase.FORWARD, Phase.FREE, Phase.CLAMPED}) {
                String what = net + " " + units + " " + phase;
                assertEnergies(pair.cpu().energies(phase), pair.gpu().energies(phase), what);
                for (int k = 0; k <= config.net().layers(); k++) {
                    assertActivations(pair.cpu().activations(phase, k), pair.gpu().activations(phase, k), what + " layer " + k);
                }
                double kc = pair.cpu().kktResidual(phase);
                assertEquals(kc, pair.gpu().kktResidual(phase), 1e-3 * Math.max(1, kc), what + " KKT residual");
            }
        }
    }

    /**
     * One sweep of each phase from the forward pass: the same activations. A sweep's proposal weighs each unit by its
     * column norm {@code c_j} (of {@code W P} where the layer pools), which converged phases no longer show.
     */
    @ParameterizedTest
    @MethodSource("cases")
    void oneSweepAgreesWithTheCpuEngine(String net, Units units) {
        NetConfig config = config(net, units);
        Parameters p = TestNets.random(config.net(), 205, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 7, 206);
        SolverConfig one = SolverConfig.fixed(Solver.JACOBI, 1);
        try (EnginePair pair = pair(config, p, data)) {
            pair.both(e -> e.inferFree(one));
            pair.both(e -> e.inferClamped(one));
            for (Phase phase : new Phase[] {Phase.FREE, Phase.CLAMPED}) {
                for (int k = 1; k < config.net().layers(); k++) {
                    assertActivations(pair.cpu().activations(phase, k), pair.gpu().activations(phase, k),
                            net + " " + units + " " + phase + " after one sweep, layer " + k);
                }
            }
        }
    }

    /** Converged phases: both engines reach the KKT point, and their energies agree to {@link #TOL_CONVERGED_ENERGY}. */
    @ParameterizedTest
    @MethodSource("cases")
    void convergedPhasesReachTheSameMinimum(String net, Units units) {
        NetConfig config = config(net, units);
        Parameters p = TestNets.random(config.net(), 211, 1.0, 0.3);
        Dataset data = TestNets.randomData(config.net(), 13, 212);
        try (EnginePair pair = pair(config, p, data)) {
            pair.both(e -> e.inferFree(CONVERGED));
            pair.both(e -> e.inferClamped(CONVERGED));
            for (Phase phase : new Phase[] {Phase.FREE, Phase.CLAMPED}) {
                String what = net + " " + units + " " + phase;
                double[] ec = pair.cpu().energies(phase);
                double[] eg = pair.gpu().energies(phase);
                for (int r = 0; r < ec.length; r++) {
                    assertEquals(ec[r], eg[r], TOL_CONVERGED_ENERGY * Math.abs(ec[r]) + 1e-9, what + " energy of sample " + r);
                }
                assertTrue(pair.cpu().kktResidual(phase) <= TOL_KKT, what + " CPU KKT " + pair.cpu().kktResidual(phase));
                assertTrue(pair.gpu().kktResidual(phase) <= TOL_KKT, what + " GPU KKT " + pair.gpu().kktResidual(phase));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void gradientsOfEveryMethodAgreeWithTheCpuEngine(String net, Units units) {
        NetConfig config = config(net, units);
        Parameters p = TestNets.random(config.net(), 221, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 17, 222);
        SolverConfig solver = SolverConfig.paperDefault();
        Parameters lifted = null;
        for (Method method : new Method[] {Method.LIFTED, Method.CONTRASTIVE, Method.BACKPROP}) {
            try (EnginePair pair = pair(config, p, data)) {
                pair.both(e -> {
                    e.inferFree(solver);
                    e.inferClamped(solver);
                    e.computeGradient(method);
                });
                Parameters expected = pair.cpu().gradient();
                // the contrastive gradient is the difference of two terms of the lifted gradient's size
                assertGradientsWithin(expected, pair.gpu().gradient(), method == Method.CONTRASTIVE ? lifted : expected,
                        net + " " + units + " " + method);
                lifted = method == Method.LIFTED ? expected : lifted;
            }
        }
        // linear regression trains the input-to-output net (TrainConfig#engineNet): dense, from the same image inputs
        NetConfig linear = new NetConfig(config.net().inputToOutput(), units, config.gamma());
        try (EnginePair pair = pair(linear, TestNets.random(linear.net(), 223, 1.0, 0.3), data)) {
            pair.both(e -> e.computeGradient(Method.LINEAR));
            assertGradients(pair.cpu().gradient(), pair.gpu().gradient(), net + " " + units + " linear");
        }
    }

    @ParameterizedTest
    @MethodSource("softClampCases")
    void softClampPhasesAndGradientsAgreeWithTheCpuEngine(String net, OutputLoss.Kind kind) {
        NetConfig config = config(net, Units.RELU).withOutputLoss(new OutputLoss(kind, 0.5));
        Parameters p = TestNets.random(config.net(), 231, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 11, 232);
        try (EnginePair pair = pair(config, p, data)) {
            pair.both(e -> {
                e.inferFree(CONVERGED);
                e.inferClamped(CONVERGED);
            });
            double[] ec = pair.cpu().energies(Phase.CLAMPED);
            double[] eg = pair.gpu().energies(Phase.CLAMPED);
            for (int r = 0; r < ec.length; r++) {
                assertEquals(ec[r], eg[r], TOL_CONVERGED_ENERGY * Math.abs(ec[r]) + 1e-9, net + " " + kind + " clamped energy of sample " + r);
            }
            assertTrue(pair.gpu().kktResidual(Phase.CLAMPED) <= TOL_KKT, net + " " + kind + " GPU KKT " + pair.gpu().kktResidual(Phase.CLAMPED));
            pair.both(e -> e.computeGradient(Method.LIFTED));
            Parameters lifted = pair.cpu().gradient();
            assertGradients(lifted, pair.gpu().gradient(), net + " " + kind + " soft clamp lifted");
            pair.both(e -> e.computeGradient(Method.CONTRASTIVE));
            assertGradientsWithin(pair.cpu().gradient(), pair.gpu().gradient(), lifted, net + " " + kind + " soft clamp contrastive");
        }
    }

    /**
     * Three steps of each update rule through the trainer: the same parameters (the GPU applies the rule on the
     * device). Adam's epsilon is {@value #ADAM_EPSILON}: with 1e-8 its first steps are {@code +-lr} for any gradient,
     * so a weight whose gradient is rounding noise would move by a random sign.
     */
    @ParameterizedTest
    @MethodSource("updateRuleCases")
    void updateRulesAgreeWithTheCpuEngine(String net, OptimizerConfig.Kind kind) {
        assumeDevice();
        NetConfig config = config(net, Units.HARDSIGMOID);
        Dataset data = TestNets.randomData(config.net(), 30, 242);
        OptimizerConfig rule = new OptimizerConfig(kind, OptimizerConfig.DEFAULT_MOMENTUM, OptimizerConfig.DEFAULT_BETA2,
                ADAM_EPSILON);
        TrainConfig tc = new TrainConfig(config, Method.CONTRASTIVE, 1, 10, 0.01, 0, 1, CONVERGED, 7, 0,
                rule, Schedule.constant(), false);
        Parameters[] after = new Parameters[2];
        int i = 0;
        for (Engine e : new Engine[] {Engines.open("cpu", config, 1), create(config)}) {
            try (e) {
                e.setParameters(TestNets.random(config.net(), 241, 1.0, 0.1));
                new Trainer(e, tc).trainEpoch(e.upload(data), 1, null);
                after[i++] = e.parameters();
            }
        }
        assertGradients(after[0], after[1], net + " " + kind + ": parameters after three steps");
    }

    /**
     * A contrastive step of a conv net, with or without pooling, has no host synchronisation (the stopping rule and
     * the rates stay on the device); its launches are counted per step.
     */
    @ParameterizedTest
    @MethodSource("stepNets")
    void aConvStepHasNoHostSyncs(String net) {
        assumeDevice();
        NetConfig config = config(net, Units.RELU);
        Dataset data = TestNets.randomData(config.net(), 30, 251);
        TrainConfig tc = new TrainConfig(config, Method.CONTRASTIVE, 1, 10, 0.01, 0, 1,
                SolverConfig.tolerance(Solver.JACOBI, 1e-6, 15), 7, 0);
        try (GpuEngine e = create(config)) {
            e.setParameters(Parameters.initial(config.net(), 7));
            DeviceData d = e.upload(data);
            assertTrue(e.enableProfiling());
            new Trainer(e, tc).trainEpoch(d, 1, null);
            EngineProfile p = e.drainProfile();
            assertEquals(3, p.steps(), "steps");
            assertEquals(0, p.hostSyncs(), "host synchronisations inside the epoch");
            assertTrue(p.launches() > 0 && p.launches() % 3 == 0, "the same launches every step: " + p.launches());
        }
    }

    /**
     * Two contrastive epochs on 1,000 MNIST samples of a stride-2 conv net, then 2,000 test samples: test accuracy
     * within {@link #TOL_ACCURACY} of the CPU engine from the same seed. Fails without {@code data/mnist}.
     */
    @Test
    void twoMnistEpochsMatchTheCpuEngine() throws java.io.IOException {
        assumeDevice();
        Path dir = liftnet.TestData.mnist();
        Dataset train = DataSets.load(DatasetId.MNIST, dir, Split.TRAIN).head(1000);
        Dataset test = DataSets.load(DatasetId.MNIST, dir, Split.TEST).head(2000);
        NetConfig net = config("1x28x28-c4k5s2-c8k3s2-32-10", Units.RELU);
        TrainConfig tc = new TrainConfig(net, Method.CONTRASTIVE, 2, TrainConfig.PAPER_BATCH, MNIST_RATE,
                0, 1, SolverConfig.paperDefault(), 1, 0);
        Parameters p0 = Parameters.initial(net.net(), tc.seed());
        double[] accuracy = new double[2];
        int i = 0;
        for (Engine e : new Engine[] {Engines.open("cpu", net, 2), create(net)}) {
            e.setParameters(p0);
            try (e; TrainingRun run = new TrainingRun(e, tc, train, test, false)) {
                EpochResult r = run.nextEpoch();
                r = run.nextEpoch();
                accuracy[i++] = r.testAccuracy();
            }
        }
        assertEquals(accuracy[0], accuracy[1], TOL_ACCURACY, "test accuracy, CPU " + accuracy[0] + " vs GPU " + accuracy[1]);
        // about 44 %: enough to show that both engines learn (chance is 10 %)
        assertTrue(accuracy[0] > 0.3, "CPU engine accuracy after two epochs: " + accuracy[0]);
    }

    /**
     * {@code ||actual_k - expected_k|| <= TOL_GRADIENT ||scale_k||} per weight and bias tensor: a gradient that is a
     * difference (contrastive) is judged against the size of its terms ({@code scale}: the lifted gradient).
     */
    static void assertGradientsWithin(Parameters expected, Parameters actual, Parameters scale, String what) {
        for (int k = 0; k < expected.net().layers(); k++) {
            for (boolean bias : new boolean[] {false, true}) {
                float[] e = bias ? expected.bias(k) : expected.weight(k);
                float[] a = bias ? actual.bias(k) : actual.weight(k);
                float[] s = bias ? scale.bias(k) : scale.weight(k);
                double diff = 0;
                double norm = 0;
                for (int i = 0; i < e.length; i++) {
                    diff += (double) (e[i] - a[i]) * (e[i] - a[i]);
                    norm += (double) s[i] * s[i];
                }
                assertTrue(Math.sqrt(diff) <= GpuParityTest.TOL_GRADIENT * Math.sqrt(norm) + 1e-7,
                        what + ": " + (bias ? "b" : "W") + k + " error " + Math.sqrt(diff) + " against a scale of " + Math.sqrt(norm));
            }
        }
    }
}
