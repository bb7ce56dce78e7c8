package liftnet.api;

import static liftnet.TestNets.cosine;
import static liftnet.TestNets.identity;
import static liftnet.TestNets.mean;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import liftnet.GradientCheck;
import liftnet.TestNets;
import liftnet.data.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The contract every {@link Engine} meets, checked against the mathematics rather than against another
 * engine: KKT conditions, monotone energies, gradients against finite differences, the paper's Eq. 23 and
 * Section 4. Subclass it once per backend.
 */
public abstract class EngineContractTest {

    /** Sweeps that take the small test nets to the float optimum. */
    protected static final SolverConfig CONVERGED = SolverConfig.fixed(Solver.JACOBI, 400);
    /** Relative error allowed between a float gradient and central differences of float energies. */
    protected static final double TOL_FINITE_DIFFERENCE = 2e-2;
    /** Relative difference allowed between this engine's directional derivative and the CPU engine's. */
    protected static final double TOL_CPU_PARITY = 1e-3;
    /** Step of the central differences, along a unit direction. */
    private static final double STEP = 1e-2;

    private static final String NET = "8-6-5-4";
    private static final int BATCH = 8;

    /** A new engine of the backend under test; closed by the test. */
    protected abstract Engine create(NetConfig config);

    /**
     * The net a contract test runs, from its dense form: a subclass may map it to a net with convolutions of the same
     * depth and outputs (the tests that build dense matrices by hand keep their dense nets).
     */
    protected NetSpec net(String dense) {
        return NetSpec.parse(dense);
    }

    /** The solver the backend's parity-sensitive tests use; backends that only run Jacobi keep the default. */
    protected SolverConfig converged() {
        return CONVERGED;
    }

    /**
     * Whether the backend implements soft clamps ({@link OutputLoss}); one that does not must refuse them when the
     * engine is created, with a message that names the engine that does.
     */
    protected boolean implementsSoftClamp() {
        return false;
    }

    /**
     * Whether the gradient tests compare with central differences (dozens of converged inferences per case), or with the
     * CPU engine's gradient, which its own contract checks against central differences. Backends that run on PoCL in the
     * default test command (OpenCL) compare with the CPU engine there, and with differences in the {@code long} profile.
     */
    protected boolean finiteDifferences() {
        return true;
    }

    // ---- helpers ----

    /** An engine holding {@code p} with the whole of {@code data} selected and forward-passed. */
    protected Engine prepared(NetConfig config, Parameters p, Dataset data) {
        Engine engine = create(config);
        engine.setParameters(p);
        DeviceData d = engine.upload(data);
        engine.selectBatch(d, identity(data.count()), 0, data.count());
        engine.forward();
        return engine;
    }

    /** Mean contrastive loss {@code min clamped E - min free E} over the batch. */
    private double contrastiveLoss(NetConfig config, Parameters p, Dataset data) {
        try (Engine e = prepared(config, p, data)) {
            e.inferFree(converged());
            e.inferClamped(converged());
            return mean(e.energies(Phase.CLAMPED)) - mean(e.energies(Phase.FREE));
        }
    }

    private double liftedLoss(NetConfig config, Parameters p, Dataset data) {
        try (Engine e = prepared(config, p, data)) {
            e.inferClamped(converged());
            return mean(e.energies(Phase.CLAMPED));
        }
    }

    private double backpropLoss(NetConfig config, Parameters p, Dataset data) {
        try (Engine e = prepared(config, p, data)) {
            int outputs = config.net().outputs();
            float[] out = e.activations(Phase.FORWARD, config.net().layers());
            double sum = 0;
            for (int r = 0; r < data.count(); r++) {
                for (int j = 0; j < outputs; j++) {
                    double y = data.labels()[r] == j ? 1 : 0;
                    double d = out[r * outputs + j] - y;
                    sum += 0.5 * d * d;
                }
            }
            return sum / data.count();
        }
    }

    private Parameters gradient(NetConfig config, Parameters p, Dataset data, Method method) {
        try (Engine e = prepared(config, p, data)) {
            return gradientOf(e, method);
        }
    }

    /** The gradient {@code of} computes on the CPU engine for the same net, parameters, batch and solver. */
    private static Parameters cpuGradient(NetConfig config, Parameters p, Dataset data,
                                          java.util.function.Function<Engine, Parameters> of) {
        try (Engine e = new liftnet.cpu.CpuEngine(config, 1)) {
            e.setParameters(p);
            DeviceData d = e.upload(data);
            e.selectBatch(d, identity(data.count()), 0, data.count());
            e.forward();
            return of.apply(e);
        }
    }

    private Parameters gradientOf(Engine e, Method method) {
        if (method == Method.CONTRASTIVE) {
            e.inferFree(converged());
        }
        if (method.isLifted()) {
            e.inferClamped(converged());
        }
        e.computeGradient(method);
        return e.gradient();
    }

    /**
     * The gradient {@code g} of {@code method} against central differences of {@code loss} along one direction per layer
     * and kind, or, where {@link #finiteDifferences()} is false, against the CPU engine's gradient along the same
     * directions (the CPU engine's own contract holds the finite differences).
     */
    private void assertGradientMatchesDifferences(NetConfig config, Parameters p, Parameters g, GradientCheck.Loss loss,
                                                  Dataset data, Method method, String what) {
        assertGradientMatchesDifferences(config, p, g, loss, data, e -> gradientOf(e, method), what);
    }

    /** As above, with the gradient {@code of} computes on an engine prepared with the batch's forward pass. */
    private void assertGradientMatchesDifferences(NetConfig config, Parameters p, Parameters g, GradientCheck.Loss loss,
                                                  Dataset data, java.util.function.Function<Engine, Parameters> of,
                                                  String what) {
        NetSpec net = config.net();
        Parameters cpu = finiteDifferences() ? null : cpuGradient(config, p, data, of);
        for (int k = 0; k < net.layers(); k++) {
            for (boolean bias : new boolean[] {false, true}) {
                Parameters d = GradientCheck.direction(net, k, bias, 31L * k + (bias ? 7 : 0));
                double analytic = GradientCheck.dot(g, d);
                if (cpu != null) {
                    double expected = GradientCheck.dot(cpu, d);
                    assertEquals(expected, analytic, TOL_CPU_PARITY * Math.abs(expected) + 1e-6, what + " d/d" + (bias ? "b" : "W")
                            + k + ": gradient " + analytic + " vs the CPU engine's " + expected);
                    continue;
                }
                double numeric = GradientCheck.centralDifference(loss, p, d, STEP);
                String where = what + " d/d" + (bias ? "b" : "W") + k;
                assertEquals(analytic, numeric, TOL_FINITE_DIFFERENCE * Math.abs(analytic) + 1e-5,
                        where + ": gradient " + analytic + " vs central difference " + numeric);
            }
        }
    }

    // ---- the contract ----

    @ParameterizedTest
    @EnumSource(Units.class)
    void contrastiveGradientMatchesFiniteDifferences(Units units) {
        NetConfig config = new NetConfig(net(NET), units, 0.5);
        Parameters p = TestNets.random(config.net(), 11, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), BATCH, 12);
        Parameters g = gradient(config, p, data, Method.CONTRASTIVE);
        assertGradientMatchesDifferences(config, p, g, q -> contrastiveLoss(config, q, data), data, Method.CONTRASTIVE,
                "contrastive " + units.id());
    }

    @ParameterizedTest
    @EnumSource(Units.class)
    void liftedGradientMatchesFiniteDifferences(Units units) {
        NetConfig config = new NetConfig(net(NET), units, 0.5);
        Parameters p = TestNets.random(config.net(), 13, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), BATCH, 14);
        Parameters g = gradient(config, p, data, Method.LIFTED);
        assertGradientMatchesDifferences(config, p, g, q -> liftedLoss(config, q, data), data, Method.LIFTED,
                "lifted " + units.id());
    }

    @ParameterizedTest
    @EnumSource(Units.class)
    void backpropGradientMatchesFiniteDifferences(Units units) {
        NetConfig config = new NetConfig(net(NET), units, 0.5);
        Parameters p = TestNets.random(config.net(), 15, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), BATCH, 16);
        Parameters g = gradient(config, p, data, Method.BACKPROP);
        assertGradientMatchesDifferences(config, p, g, q -> backpropLoss(config, q, data), data, Method.BACKPROP,
                "backprop " + units.id());
    }

    @ParameterizedTest
    @EnumSource(Units.class)
    void convergedPhasesSatisfyKkt(Units units) {
        NetConfig config = new NetConfig(net("12-10-9-8-5"), units, 0.25);
        Parameters p = TestNets.random(config.net(), 21, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 13, 22);
        try (Engine e = prepared(config, p, data)) {
            double before = e.kktResidual(Phase.FORWARD);
            e.inferFree(converged());
            e.inferClamped(converged());
            double free = e.kktResidual(Phase.FREE);
            double clamped = e.kktResidual(Phase.CLAMPED);
            assertTrue(free < TestNets.TOL_KKT_F32, "free-phase KKT residual " + free + " (forward pass: " + before + ")");
            assertTrue(clamped < TestNets.TOL_KKT_F32, "clamped-phase KKT residual " + clamped);
            double[] fe = e.energies(Phase.FREE);
            double[] ce = e.energies(Phase.CLAMPED);
            for (int r = 0; r < fe.length; r++) {
                assertTrue(fe[r] <= ce[r] + 1e-6, "sample " + r + ": free energy " + fe[r] + " above clamped " + ce[r]);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Units.class)
    void energyNeverRisesFromSweepToSweep(Units units) {
        // Strong feedback and large weights: a plain Jacobi step would overshoot here.
        NetConfig config = new NetConfig(net("10-12-12-12-4"), units, 1.0);
        Parameters p = TestNets.random(config.net(), 31, 3.0, 0.5);
        Dataset data = TestNets.randomData(config.net(), 9, 32);
        for (boolean clamped : new boolean[] {false, true}) {
            double[] previous = null;
            for (int sweeps = 0; sweeps <= 25; sweeps++) {
                try (Engine e = prepared(config, p, data)) {
                    SolverConfig solver = SolverConfig.fixed(Solver.JACOBI, sweeps);
                    double[] energy;
                    if (clamped) {
                        e.inferClamped(solver);
                        energy = e.energies(Phase.CLAMPED);
                    } else {
                        e.inferFree(solver);
                        energy = e.energies(Phase.FREE);
                    }
                    if (previous != null) {
                        for (int r = 0; r < energy.length; r++) {
                            assertTrue(energy[r] <= previous[r] * (1 + 1e-6) + 1e-7, (clamped ? "clamped" : "free")
                                    + " energy of sample " + r + " rose at sweep " + sweeps + ": " + previous[r] + " -> " + energy[r]);
                        }
                    }
                    previous = energy;
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Units.class)
    void withOneHiddenLayerTheFreePhaseIsTheForwardPass(Units units) {
        NetConfig config = new NetConfig(net("9-7-3"), units, 0.5);
        Parameters p = TestNets.random(config.net(), 41, 2.0, 0.4);
        Dataset data = TestNets.randomData(config.net(), 6, 42);
        try (Engine e = prepared(config, p, data)) {
            e.inferFree(SolverConfig.fixed(Solver.JACOBI, 20));
            for (int layer = 1; layer <= 2; layer++) {
                float[] forward = e.activations(Phase.FORWARD, layer);
                float[] free = e.activations(Phase.FREE, layer);
                for (int i = 0; i < forward.length; i++) {
                    assertEquals(forward[i], free[i], 1e-5 * (1 + Math.abs(forward[i])), "layer " + layer + " entry " + i);
                }
            }
        }
    }

    /** Paper Eq. 23: for linear units the contrastive gradient is gamma^(L-1) times back-propagated error times z_k. */
    @Test
    void linearUnitsFollowEq23() {
        NetConfig config = new NetConfig(NetSpec.parse("7-6-5-4"), Units.LINEAR, 0.25);
        NetSpec net = config.net();
        int layers = net.layers();
        Parameters p = TestNets.random(net, 51, 1.2, 0.2);
        Dataset data = TestNets.randomData(net, 10, 52);
        try (Engine e = prepared(config, p, data)) {
            e.inferFree(converged());
            e.inferClamped(converged());
            e.computeGradient(Method.CONTRASTIVE);
            Parameters g = e.gradient();
            for (double free : e.energies(Phase.FREE)) {
                assertTrue(free < 1e-9, "linear units: min free energy is 0; found " + free);
            }
            double scale = Math.pow(config.gamma(), layers - 1);
            float[][] z = new float[layers + 1][];
            for (int k = 0; k <= layers; k++) {
                z[k] = e.activations(Phase.CLAMPED, k);
            }
            for (int k = 0; k < layers; k++) {
                double[] expectedW = new double[net.width(k + 1) * net.width(k)];
                double[] expectedB = new double[net.width(k + 1)];
                for (int r = 0; r < data.count(); r++) {
                    // error = W_{L-1} z_{L-1} + b_{L-1} - y, carried down by W_j^T for j = L-1 .. k+1
                    double[] err = new double[net.outputs()];
                    for (int i = 0; i < net.outputs(); i++) {
                        double a = p.bias(layers - 1)[i];
                        for (int j = 0; j < net.width(layers - 1); j++) {
                            a += p.weight(layers - 1, i, j) * z[layers - 1][r * net.width(layers - 1) + j];
                        }
                        err[i] = a - (data.labels()[r] == i ? 1 : 0);
                    }
                    for (int j = layers - 1; j > k; j--) {
                        double[] down = new double[net.width(j)];
                        for (int c = 0; c < net.width(j); c++) {
                            for (int i = 0; i < net.width(j + 1); i++) {
                                down[c] += p.weight(j, i, c) * err[i];
                            }
                        }
                        err = down;
                    }
                    for (int i = 0; i < net.width(k + 1); i++) {
                        expectedB[i] += scale * err[i] / data.count();
                        for (int c = 0; c < net.width(k); c++) {
                            expectedW[i * net.width(k) + c] += scale * err[i] * z[k][r * net.width(k) + c] / data.count();
                        }
                    }
                }
                TestNets.assertRelativelyClose(expectedW, g.weight(k), 1e-3, 0, "Eq. 23, W" + k);
                TestNets.assertRelativelyClose(expectedB, g.bias(k), 1e-3, 0, "Eq. 23, b" + k);
            }
        }
    }

    /** Paper Section 4: contrastive gradient / gamma^(L-1) approaches back-propagation as gamma shrinks. */
    @Test
    void contrastiveApproachesBackpropagationAsGammaShrinks() {
        NetSpec net = NetSpec.parse("20-16-16-5");
        Parameters p = TestNets.random(net, 61, 1.3, 0.2);
        Dataset data = TestNets.randomData(net, 32, 62);
        double[] gammas = {1.0 / 8, 1.0 / 32, 1.0 / 128};
        double[][] cos = new double[gammas.length][net.layers()];
        Parameters bp = gradient(new NetConfig(net, Units.RELU, 0.125), p, data, Method.BACKPROP);
        for (int gi = 0; gi < gammas.length; gi++) {
            NetConfig config = new NetConfig(net, Units.RELU, gammas[gi]);
            Parameters g = gradient(config, p, data, Method.CONTRASTIVE);
            for (int k = 0; k < net.layers(); k++) {
                cos[gi][k] = cosine(layerVector(g, k), layerVector(bp, k));
            }
        }
        for (int k = 0; k < net.layers(); k++) {
            assertTrue(cos[1][k] >= cos[0][k] - 1e-4 && cos[2][k] >= cos[1][k] - 1e-4,
                    "layer " + k + ": cosine must rise as gamma shrinks: " + cos[0][k] + ", " + cos[1][k] + ", " + cos[2][k]);
            assertTrue(cos[2][k] >= 0.99, "layer " + k + ": cosine at gamma 1/128 is " + cos[2][k]);
        }
    }

    private static double[] layerVector(Parameters p, int k) {
        float[] w = p.weight(k);
        float[] b = p.bias(k);
        double[] v = new double[w.length + b.length];
        for (int i = 0; i < w.length; i++) {
            v[i] = w[i];
        }
        for (int i = 0; i < b.length; i++) {
            v[w.length + i] = b[i];
        }
        return v;
    }

    @Test
    void updateSubtractsTheScaledGradient() {
        NetConfig config = new NetConfig(net(NET), Units.RELU, 0.5);
        Parameters p = TestNets.random(config.net(), 71, 1.0, 0.1);
        Dataset data = TestNets.randomData(config.net(), BATCH, 72);
        try (Engine e = prepared(config, p, data)) {
            e.inferFree(converged());
            e.inferClamped(converged());
            e.computeGradient(Method.CONTRASTIVE);
            float[] g = e.gradient().flatten();
            e.applyUpdate(0.5);
            float[] after = e.parameters().flatten();
            float[] before = p.flatten();
            for (int i = 0; i < g.length; i++) {
                assertEquals(before[i] - 0.5f * g[i], after[i], 1e-6f * (1 + Math.abs(before[i])), "parameter " + i);
            }
            EpochStats stats = e.drainStats();
            assertEquals(1, stats.updates());
            assertEquals(-1, stats.firstNonFiniteUpdate());
        }
    }

    @Test
    void nonFiniteGradientIsReportedAndNotApplied() {
        NetConfig config = new NetConfig(net(NET), Units.RELU, 0.5);
        Parameters p = TestNets.random(config.net(), 73, 1.0, 0.1);
        p.weight(1)[3] = Float.NaN;
        Dataset data = TestNets.randomData(config.net(), BATCH, 74);
        try (Engine e = prepared(config, p, data)) {
            e.computeGradient(Method.BACKPROP);
            e.applyUpdate(0.1);
            EpochStats stats = e.drainStats();
            assertEquals(0, stats.firstNonFiniteUpdate());
            assertTrue(stats.diverged());
            assertArrayEquals(p.flatten(), e.parameters().flatten(), "a non-finite gradient must leave the weights alone");
        }
    }

    @Test
    void metricsCountArgmaxAndUnitsInsideC() {
        NetConfig config = new NetConfig(net("10-8-6-4"), Units.HARDSIGMOID, 0.125);
        Parameters p = TestNets.random(config.net(), 81, 3.0, 0.5);
        Dataset data = TestNets.randomData(config.net(), 23, 82);
        try (Engine e = prepared(config, p, data)) {
            e.inferFree(converged());
            e.accumulateMetrics(Phase.FREE);
            EpochStats stats = e.drainStats();
            float[] out = e.activations(Phase.FREE, 3);
            long correct = 0;
            for (int r = 0; r < data.count(); r++) {
                int best = 0;
                for (int j = 1; j < 4; j++) {
                    if (out[r * 4 + j] > out[r * 4 + best]) {
                        best = j;
                    }
                }
                correct += best == data.labels()[r] ? 1 : 0;
            }
            assertEquals(data.count(), stats.samples());
            assertEquals(correct, stats.correct());
            for (int k = 1; k <= 2; k++) {
                long inside = 0;
                for (float z : e.activations(Phase.FREE, k)) {
                    inside += z > 0 && z < 1 ? 1 : 0;
                }
                assertEquals(inside, stats.linearUnits()[k - 1], "layer " + k);
            }
            assertEquals(TestNets.mean(e.energies(Phase.FREE)) * data.count(), stats.freeEnergy(), 1e-6);
        }
    }

    @Test
    void batchesSelectTheOrderedSamples() {
        NetConfig config = new NetConfig(NetSpec.parse("6-5-3"), Units.RELU, 0.125);
        Parameters p = TestNets.random(config.net(), 91, 1.0, 0.1);
        Dataset data = TestNets.randomData(config.net(), 10, 92);
        int[] order = {9, 3, 5, 0, 1, 2, 4, 6, 7, 8};
        try (Engine e = create(config)) {
            e.setParameters(p);
            DeviceData d = e.upload(data);
            e.selectBatch(d, order, 0, 3);
            e.forward();
            float[] x = e.activations(Phase.FORWARD, 0);
            for (int r = 0; r < 3; r++) {
                for (int i = 0; i < 6; i++) {
                    assertEquals(data.inputs()[order[r] * 6 + i], x[r * 6 + i], "row " + r + " input " + i);
                }
            }
        }
    }

    /**
     * Every engine refuses the same bad calls ({@link EngineChecks}): parameters of another net, a data set of
     * another width, a batch outside the order or naming a missing sample, a learning rate per layer missing;
     * and a refused update leaves the parameters as they were.
     */
    @Test
    void badCallsAreRefusedAndChangeNothing() {
        NetConfig config = new NetConfig(NetSpec.parse("6-5-3"), Units.RELU, 0.125);
        Parameters p = TestNets.random(config.net(), 93, 1.0, 0.1);
        Dataset data = TestNets.randomData(config.net(), 10, 94);
        try (Engine e = create(config)) {
            e.setParameters(p);
            assertRefused(() -> e.setParameters(TestNets.random(NetSpec.parse("6-4-3"), 95, 1.0, 0.1)), "6-4-3");
            assertRefused(() -> e.upload(TestNets.randomData(NetSpec.parse("7-5-3"), 4, 96)), "7 inputs");
            assertRefused(() -> e.upload(TestNets.randomData(NetSpec.parse("6-5-4"), 4, 97)), "4 classes");
            DeviceData d = e.upload(data);
            assertRefused(() -> e.selectBatch(d, identity(10), 8, 3), "[8, 11)");
            assertRefused(() -> e.selectBatch(d, identity(10), 0, 0), "[0, 0)");
            assertRefused(() -> e.selectBatch(d, new int[] {0, 10}, 0, 2), "index 10");
            e.selectBatch(d, identity(10), 0, 10);
            e.forward();
            e.computeGradient(Method.BACKPROP);
            assertRefused(() -> e.applyUpdate(new double[] {0.1}), "2 learning rates");
            Parameters after = e.parameters();
            for (int k = 0; k < config.net().layers(); k++) {
                assertArrayEquals(p.weight(k), after.weight(k), "W" + k + " after a refused update");
                assertArrayEquals(p.bias(k), after.bias(k), "b" + k + " after a refused update");
            }
        }
    }

    private static void assertRefused(org.junit.jupiter.api.function.Executable call, String mentioned) {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(mentioned), "message '" + e.getMessage() + "' should mention " + mentioned);
    }

    // ---- soft clamps: min E + beta l(z_L, y) in the clamped phase ----

    /** Creating the engine fails with a message that names the engine that implements soft clamps (a missing device skips). */
    private void assertRefusesSoftClamp(NetConfig config) {
        try (Engine e = create(config)) {
            org.junit.jupiter.api.Assertions.fail(e.name() + " accepted a soft clamp (" + config.outputLoss()
                    + ") but implementsSoftClamp() says it does not");
        } catch (EngineException e) {
            assertTrue(e.getMessage().contains("cpu"), "the refusal must name the engine that implements it: " + e.getMessage());
        }
    }

    private NetConfig soft(String net, Units units, double gamma, String loss, double beta) {
        return new NetConfig(net(net), units, gamma, new OutputLoss(OutputLoss.Kind.parse(loss), beta));
    }

    @ParameterizedTest
    @CsvSource({"squared, 0.3", "squared, 5", "cross-entropy, 0.3", "cross-entropy, 5"})
    void softClampGradientsMatchFiniteDifferences(String loss, double beta) {
        for (Units units : Units.values()) {
            NetConfig config = soft(NET, units, 0.5, loss, beta);
            if (!implementsSoftClamp()) {
                assertRefusesSoftClamp(config);
                return;
            }
            Parameters p = TestNets.random(config.net(), 17, 1.5, 0.3);
            Dataset data = TestNets.randomData(config.net(), BATCH, 18);
            String what = loss + " beta " + beta + " " + units.id();
            assertGradientMatchesDifferences(config, p, gradient(config, p, data, Method.CONTRASTIVE),
                    q -> contrastiveLoss(config, q, data), data, Method.CONTRASTIVE, "soft contrastive " + what);
            assertGradientMatchesDifferences(config, p, gradient(config, p, data, Method.LIFTED),
                    q -> liftedLoss(config, q, data), data, Method.LIFTED, "soft lifted " + what);
        }
    }

    /**
     * KKT of the soft-clamped problem, output included, and its place between the other phases: {@code l >= 0} gives
     * {@code min E <= min (E + beta l)}, and the hard clamp's minimiser is feasible with {@code l = 0} for the
     * squared loss, so {@code min (E + beta l) <= min_{z_L = y} E}, with equality as {@code beta} grows.
     */
    @ParameterizedTest
    @CsvSource({"squared, 0.05", "squared, 2", "cross-entropy, 0.05", "cross-entropy, 2"})
    void softClampSatisfiesKktBetweenFreeAndHard(String loss, double beta) {
        NetConfig config = soft("12-10-9-8-5", Units.RELU, 0.25, loss, beta);
        if (!implementsSoftClamp()) {
            assertRefusesSoftClamp(config);
            return;
        }
        Parameters p = TestNets.random(config.net(), 23, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 13, 24);
        double[] hard;
        try (Engine e = prepared(config.withOutputLoss(OutputLoss.HARD), p, data)) {
            e.inferClamped(converged());
            hard = e.energies(Phase.CLAMPED);
        }
        try (Engine e = prepared(config, p, data)) {
            e.inferFree(converged());
            e.inferClamped(converged());
            double kkt = e.kktResidual(Phase.CLAMPED);
            assertTrue(kkt < TestNets.TOL_KKT_F32, loss + " beta " + beta + ": soft-clamped KKT residual " + kkt);
            double[] free = e.energies(Phase.FREE);
            double[] clamped = e.energies(Phase.CLAMPED);
            for (int r = 0; r < free.length; r++) {
                assertTrue(free[r] <= clamped[r] + 1e-6, "sample " + r + ": free " + free[r] + " above soft " + clamped[r]);
                if (loss.equals("squared")) {
                    assertTrue(clamped[r] <= hard[r] + 1e-6, "sample " + r + ": soft " + clamped[r] + " above hard " + hard[r]);
                }
            }
        }
    }

    /**
     * Under the energy stopping rule a soft-clamped phase counts the output prox's decrease with the line searches':
     * it stops before the sweep limit, near the optimum (its KKT residual and energy those of many fixed sweeps).
     */
    @ParameterizedTest
    @CsvSource({"squared, 0.5", "cross-entropy, 0.5"})
    void softClampStopsByTheEnergyRuleNearItsMinimum(String loss, double beta) {
        NetConfig config = soft("12-10-9-8-5", Units.RELU, 0.25, loss, beta);
        if (!implementsSoftClamp()) {
            assertRefusesSoftClamp(config);
            return;
        }
        Parameters p = TestNets.random(config.net(), 27, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 9, 28);
        SolverConfig rule = SolverConfig.tolerance(converged().solver(), 1e-7, 400);
        double[] reference;
        try (Engine e = prepared(config, p, data)) {
            e.inferClamped(converged());
            reference = e.energies(Phase.CLAMPED);
        }
        try (Engine e = prepared(config, p, data)) {
            e.inferClamped(rule);
            double[] energies = e.energies(Phase.CLAMPED);
            EpochStats stats = e.drainStats();
            assertTrue(stats.meanSweeps() < 400, loss + ": the energy rule never stopped (" + stats.meanSweeps() + " sweeps)");
            for (int r = 0; r < energies.length; r++) {
                assertEquals(reference[r], energies[r], 1e-4 * (1 + Math.abs(reference[r])), loss + " sample " + r);
            }
        }
    }

    @Test
    void largeSquaredClampWeightApproachesTheHardClamp() {
        NetConfig config = soft("12-10-9-8-5", Units.HARDSIGMOID, 0.25, "squared", 1e5);
        if (!implementsSoftClamp()) {
            assertRefusesSoftClamp(config);
            return;
        }
        Parameters p = TestNets.random(config.net(), 25, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 11, 26);
        double[][] energies = new double[2][];
        for (int i = 0; i < 2; i++) {
            try (Engine e = prepared(i == 0 ? config : config.withOutputLoss(OutputLoss.HARD), p, data)) {
                e.inferClamped(converged());
                energies[i] = e.energies(Phase.CLAMPED);
            }
        }
        // min (E + beta/2 ||z_L - y||^2) = hard minimum - O(g / beta) for g = gamma^(L-1)
        for (int r = 0; r < data.count(); r++) {
            assertEquals(energies[1][r], energies[0][r], 1e-4 * (1 + energies[1][r]), "sample " + r);
        }
    }

    // ---- symmetric nudging: the negatively nudged phase min E - beta l ----

    /**
     * A soft clamp of {@code loss} on {@code net} whose {@code beta} is {@code fraction} of the negative phase's convexity
     * bound at {@code p} ({@code liftnet.train.NudgeBound}).
     */
    private NetConfig nudged(String net, double gamma, String loss, Parameters p, double fraction) {
        NetConfig probe = soft(net, Units.RELU, gamma, loss, 1);
        return soft(net, Units.RELU, gamma, loss, fraction * new liftnet.train.NudgeBound(probe).bound(p));
    }

    /** An engine without the negative phase refuses it with one message naming the engine that has it. */
    private boolean refusesNegativePhase(NetConfig config, Parameters p, Dataset data) {
        try (Engine e = prepared(config, p, data)) {
            if (e.capabilities().negativeNudge()) {
                return false;
            }
            EngineException ex = org.junit.jupiter.api.Assertions.assertThrows(EngineException.class,
                    () -> e.inferNegative(converged()));
            assertTrue(ex.getMessage().contains("--nudge symmetric") && ex.getMessage().contains("cpu"), ex.getMessage());
            return true;
        }
    }

    /**
     * The negative phase's KKT residual (output included, with {@code -beta grad l}) is at float rounding, and its minimum
     * lies below the free one: {@code l >= 0}, so {@code min (E - beta l) <= E(z_free) - beta l(z_free) <= min E}.
     */
    @ParameterizedTest
    @CsvSource({"squared", "cross-entropy"})
    void negativePhaseSatisfiesKktBelowTheFreeMinimum(String loss) {
        Parameters p = TestNets.random(net("12-10-9-8-5"), 35, 1.5, 0.3);
        NetConfig config = nudged("12-10-9-8-5", 0.25, loss, p, 0.5);
        Dataset data = TestNets.randomData(config.net(), 13, 36);
        if (refusesNegativePhase(config, p, data)) {
            return;
        }
        try (Engine e = prepared(config, p, data)) {
            e.inferFree(converged());
            e.inferClamped(converged());
            e.inferNegative(converged());
            double kkt = e.kktResidual(Phase.NEGATIVE);
            assertTrue(kkt < TestNets.TOL_KKT_F32, loss + ": negative-phase KKT residual " + kkt);
            double[] free = e.energies(Phase.FREE);
            double[] clamped = e.energies(Phase.CLAMPED);
            double[] negative = e.energies(Phase.NEGATIVE);
            for (int r = 0; r < free.length; r++) {
                assertTrue(negative[r] < free[r] + 1e-6, loss + " sample " + r + ": negative " + negative[r] + " above free " + free[r]);
                assertTrue(free[r] < clamped[r] + 1e-6, loss + " sample " + r + ": free " + free[r] + " above clamped " + clamped[r]);
            }
        }
    }

    /** Mean symmetric loss {@code (min (E + beta l) - min (E - beta l)) / 2} over the batch. */
    private double symmetricLoss(NetConfig config, Parameters p, Dataset data) {
        try (Engine e = prepared(config, p, data)) {
            e.inferFree(converged());
            e.inferClamped(converged());
            e.inferNegative(converged());
            return (mean(e.energies(Phase.CLAMPED)) - mean(e.energies(Phase.NEGATIVE))) / 2;
        }
    }

    private Parameters symmetricGradientOf(Engine e) {
        e.inferFree(converged());
        e.inferClamped(converged());
        e.inferNegative(converged());
        e.computeGradient(Method.CONTRASTIVE);
        return e.gradient();
    }

    /** Symmetric nudging's gradient {@code (dE(z_clamped) - dE(z_negative)) / 2} is the gradient of its loss. */
    @ParameterizedTest
    @CsvSource({"squared", "cross-entropy"})
    void symmetricGradientMatchesFiniteDifferences(String loss) {
        Parameters p = TestNets.random(net(NET), 37, 1.5, 0.3);
        NetConfig config = nudged(NET, 0.5, loss, p, 0.5);
        Dataset data = TestNets.randomData(config.net(), BATCH, 38);
        if (refusesNegativePhase(config, p, data)) {
            return;
        }
        Parameters g;
        try (Engine e = prepared(config, p, data)) {
            g = symmetricGradientOf(e);
        }
        assertGradientMatchesDifferences(config, p, g, q -> symmetricLoss(config, q, data), data, this::symmetricGradientOf,
                "symmetric " + loss);
    }

    // ---- stateful update rules, schedules and resume (the orchestrator's settings on every engine) ----

    /**
     * Relative difference allowed between an engine's stateful update and the host reference rule applied to the
     * same gradient ({@code liftnet.train.Optimizer}, double arithmetic rounded to float): float arithmetic in a
     * different order, relative to {@code |theta| + eta}.
     */
    protected static final double TOL_UPDATE = 2e-5;
    /** Relative difference allowed between an engine's moments and the reference's, relative to {@code |moment| + |g|}. */
    protected static final double TOL_MOMENTS = 1e-5;
    /** Accuracy points (of 100) two engines may differ by after the same short training from the same seed. */
    protected static final double TOL_ACCURACY_POINTS = 5;

    /** Per-step rates of a schedule that changes every step (as the cosine schedule does). */
    private static double[] changingRates(int layers, int step, double base) {
        double[] r = new double[layers];
        for (int k = 0; k < layers; k++) {
            r[k] = base * (1 + 0.5 * Math.cos(0.7 * step + k)) ;
        }
        return r;
    }

    /**
     * Momentum and Adam (bias correction and epsilon placement included) as the engine applies them match the host
     * rule applied to the engine's own gradients, step after step with a rate that changes every step; the state
     * read back matches the reference's moments and step count.
     */
    @ParameterizedTest
    @EnumSource(value = OptimizerConfig.Kind.class, names = {"MOMENTUM", "ADAM"})
    void statefulRulesFollowTheirFormula(OptimizerConfig.Kind kind) {
        NetConfig config = new NetConfig(net(NET), Units.RELU, 0.5);
        Parameters p = TestNets.random(config.net(), 81, 1.0, 0.1);
        Dataset data = TestNets.randomData(config.net(), BATCH, 82);
        OptimizerConfig rule = new OptimizerConfig(kind, 0.9, 0.999, 1e-8);
        liftnet.train.Optimizer reference = liftnet.train.Optimizer.create(rule, config.net());
        Parameters host = p.copy();
        try (Engine e = prepared(config, p, data)) {
            boolean onEngine = e.setOptimizer(rule);
            DeviceData d = e.upload(data);
            for (int step = 1; step <= 4; step++) {
                e.selectBatch(d, identity(data.count()), 0, data.count());
                e.forward();
                e.inferFree(converged());
                e.inferClamped(converged());
                e.computeGradient(Method.CONTRASTIVE);
                Parameters g = e.gradient();
                double[] rates = changingRates(config.net().layers(), step, kind == OptimizerConfig.Kind.ADAM ? 0.01 : 0.05);
                Parameters before = e.parameters();
                reference.step(host, g, rates);
                if (onEngine) {
                    e.applyUpdate(rates);
                } else {
                    e.setParameters(host);
                }
                float[] expected = host.flatten();
                float[] actual = e.parameters().flatten();
                float[] start = before.flatten();
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], actual[i], TOL_UPDATE * (Math.abs(start[i]) + 0.05),
                            kind.id() + " step " + step + ", parameter " + i);
                }
                host = e.parameters(); // the next reference step starts where the engine is
            }
            if (onEngine) {
                OptimizerState state = e.optimizerState();
                assertEquals(reference.steps(), state.steps());
                for (int i = 0; i < reference.slotCount(); i++) {
                    float[] m = reference.slot(i).flatten();
                    float[] a = state.slots().get(i).flatten();
                    for (int j = 0; j < m.length; j++) {
                        assertEquals(m[j], a[j], TOL_MOMENTS * (Math.abs(m[j]) + 1e-3), kind.id() + " slot " + i + "[" + j + "]");
                    }
                }
            } else {
                org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, e::optimizerState);
            }
        }
    }

    /** Trains {@code epochs} epochs of {@code config} on {@code engine} from {@code start}; the trainer, for its state. */
    private static liftnet.train.Trainer train(Engine engine, liftnet.train.TrainConfig config, Parameters start,
                                               Dataset data, int firstEpoch, int lastEpoch,
                                               liftnet.train.Optimizer restored) {
        engine.setParameters(start);
        liftnet.train.Trainer trainer = new liftnet.train.Trainer(engine, config);
        if (restored != null) {
            Parameters[] slots = new Parameters[restored.slotCount()];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = restored.slot(i);
            }
            trainer.optimizer().restore(restored.steps(), slots);
        }
        DeviceData d = engine.upload(data);
        for (int epoch = firstEpoch; epoch <= lastEpoch; epoch++) {
            trainer.trainEpoch(d, epoch, null);
        }
        return trainer;
    }

    private static liftnet.train.TrainConfig adamCosine(NetConfig config, int epochs) {
        return new liftnet.train.TrainConfig(config, Method.CONTRASTIVE, epochs, 8, 0.01, 0, 1,
                SolverConfig.paperDefault(), 5, 0, new OptimizerConfig(OptimizerConfig.Kind.ADAM, 0.9, 0.999, 1e-8),
                new liftnet.train.Schedule(liftnet.train.Schedule.Kind.COSINE, 1, 1, 0), false);
    }

    /**
     * Resume: two epochs of Adam with a cosine schedule equal, bit for bit, one epoch, the optimizer state taken
     * into a checkpoint (read back from the engine), and one more epoch on a fresh engine that restored it.
     */
    @Test
    void resumedAdamContinuesBitForBit() {
        NetConfig config = new NetConfig(net(NET), Units.RELU, 0.5);
        Parameters p = TestNets.random(config.net(), 91, 1.0, 0.1);
        Dataset data = TestNets.randomData(config.net(), 32, 92);
        liftnet.train.TrainConfig tc = adamCosine(config, 2);
        float[] straight;
        try (Engine e = create(config)) {
            train(e, tc, p, data, 1, 2, null);
            straight = e.parameters().flatten();
        }
        Parameters afterOne;
        liftnet.train.Optimizer saved;
        try (Engine e = create(config)) {
            saved = train(e, tc, p, data, 1, 1, null).optimizer();
            afterOne = e.parameters();
        }
        assertEquals(4, saved.steps(), "one epoch of 32 samples in batches of 8");
        try (Engine e = create(config)) {
            train(e, tc, afterOne, data, 2, 2, saved);
            assertArrayEquals(straight, e.parameters().flatten(), "resumed run differs from the uninterrupted one");
        }
    }

    /**
     * Same accuracy as the reference ({@link #referenceAccuracy}) after the same training with Adam, a cosine schedule
     * and momentum: a learnable synthetic task (labels from a fixed linear map of the inputs), same seed, same batches.
     */
    @ParameterizedTest
    @EnumSource(value = OptimizerConfig.Kind.class, names = {"MOMENTUM", "ADAM"})
    void statefulTrainingReachesTheReferenceAccuracy(OptimizerConfig.Kind kind) {
        NetConfig config = new NetConfig(NetSpec.parse("10-16-12-4"), Units.RELU, 0.5);
        Dataset data = learnable(config.net(), 200, 93);
        Parameters p = Parameters.initial(config.net(), 94);
        liftnet.train.TrainConfig tc = new liftnet.train.TrainConfig(config, Method.CONTRASTIVE, 4, 10,
                kind == OptimizerConfig.Kind.ADAM ? 0.01 : 0.05, 0, 1, SolverConfig.paperDefault(), 7, 0,
                new OptimizerConfig(kind, 0.9, 0.999, 1e-8),
                new liftnet.train.Schedule(liftnet.train.Schedule.Kind.COSINE, 1, 1, 0), false);
        double engine;
        try (Engine e = create(config)) {
            liftnet.train.Trainer t = train(e, tc, p, data, 1, 4, null);
            engine = 100 * t.evaluate(e.upload(data), false).accuracy();
        }
        double reference = referenceAccuracy(tc, p, data);
        assertTrue(reference > 50, "the task must be learnable: the reference reached " + reference + "%");
        assertEquals(reference, engine, TOL_ACCURACY_POINTS, kind.id() + ": accuracy against the reference's");
    }

    /**
     * Accuracy in percent on {@code data} (free-phase prediction) after training {@code config} from {@code start} on
     * it, for {@link #statefulTrainingReachesTheReferenceAccuracy}: by default the CPU engine on one thread. The CPU
     * engine's own test overrides it with something independent of that engine.
     */
    protected double referenceAccuracy(liftnet.train.TrainConfig config, Parameters start, Dataset data) {
        try (Engine e = new liftnet.cpu.CpuEngine(config.net(), 1)) {
            liftnet.train.Trainer t = train(e, config, start, data, 1, config.epochs(), null);
            return 100 * t.evaluate(e.upload(data), false).accuracy();
        }
    }

    /** Inputs as {@link TestNets#randomData}, labels the argmax of a fixed random linear map of them. */
    private static Dataset learnable(NetSpec net, int count, long seed) {
        Dataset d = TestNets.randomData(net, count, seed);
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed + 1);
        double[][] m = new double[net.outputs()][net.inputs()];
        for (double[] row : m) {
            for (int j = 0; j < row.length; j++) {
                row[j] = r.nextGaussian();
            }
        }
        int[] y = new int[count];
        for (int s = 0; s < count; s++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < m.length; c++) {
                double v = 0;
                for (int j = 0; j < net.inputs(); j++) {
                    v += m[c][j] * d.inputs()[s * net.inputs() + j];
                }
                if (v > best) {
                    best = v;
                    y[s] = c;
                }
            }
        }
        return new Dataset("learnable", count, net.inputs(), net.outputs(), d.inputs(), y);
    }
}
