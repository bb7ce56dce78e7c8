package liftnet.cpu;

import static liftnet.TestNets.identity;
import static liftnet.TestNets.mean;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import liftnet.GradientCheck;
import liftnet.TestNets;
import liftnet.api.ConvLayer;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.OutputLoss;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.data.Dataset;
import liftnet.train.ExactPhases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Convolutional nets on {@link CpuEngine}, checked against the mathematics: gradients of every method against
 * finite differences, KKT of both phases for both solvers, Gauss-Seidel against Jacobi, a whole-image kernel against
 * the dense layer with the same weights, and everything against the double-precision {@link ExactPhases}.
 */
class CpuEngineConvTest {

    /** Two convolutions, the second one inside the lifted part (stride 2, then stride 1 with padding), then dense. */
    static final String NET = "1x6x6-c3k3s2-c4k3-5-4";
    private static final SolverConfig CONVERGED = SolverConfig.fixed(Solver.JACOBI, 600);
    private static final SolverConfig CONVERGED_GS = SolverConfig.fixed(Solver.GAUSS_SEIDEL, 600);
    /**
     * As in the engine contract: float energies, central differences of step {@link #STEP}. The step balances float
     * noise in the energies (larger below 1e-3) against kinks of ReLU and hard-sigmoid units crossed by the step
     * (the contract's 1e-2 crosses some on these nets): largest errors measured at 3e-3, over the three units, 9.0e-3
     * contrastive, 1.2e-3 lifted, 9.2e-4 backprop (printed by the former {@code ConvChecks fd}; this test asserts
     * the tolerance).
     */
    private static final double TOL_FINITE_DIFFERENCE = 2e-2;
    private static final double STEP = 3e-3;
    private static final int BATCH = 7;

    /** A two-thread CPU engine on {@code p} with all of {@code data} selected in order, forward pass done. */
    static Engine prepared(NetConfig config, Parameters p, Dataset data) {
        Engine engine = new CpuEngine(config, 2);
        engine.setParameters(p);
        DeviceData d = engine.upload(data);
        engine.selectBatch(d, identity(data.count()), 0, data.count());
        engine.forward();
        return engine;
    }

    /** The method's loss: clamped minus free energy, clamped energy, or the squared error of the forward pass. */
    static double loss(NetConfig config, Parameters p, Dataset data, Method method, SolverConfig solver) {
        try (Engine e = prepared(config, p, data)) {
            switch (method) {
                case CONTRASTIVE -> {
                    e.inferFree(solver);
                    e.inferClamped(solver);
                    return mean(e.energies(Phase.CLAMPED)) - mean(e.energies(Phase.FREE));
                }
                case LIFTED -> {
                    e.inferClamped(solver);
                    return mean(e.energies(Phase.CLAMPED));
                }
                default -> {
                    int outputs = config.net().outputs();
                    float[] out = e.activations(Phase.FORWARD, config.net().layers());
                    double sum = 0;
                    for (int r = 0; r < data.count(); r++) {
                        for (int j = 0; j < outputs; j++) {
                            double d = out[r * outputs + j] - (data.labels()[r] == j ? 1 : 0);
                            sum += 0.5 * d * d;
                        }
                    }
                    return sum / data.count();
                }
            }
        }
    }

    static Parameters gradient(NetConfig config, Parameters p, Dataset data, Method method, SolverConfig solver) {
        try (Engine e = prepared(config, p, data)) {
            if (method == Method.CONTRASTIVE) {
                e.inferFree(solver);
            }
            if (method.isLifted()) {
                e.inferClamped(solver);
            }
            e.computeGradient(method);
            return e.gradient();
        }
    }

    /**
     * The largest relative difference between the gradient along a seeded unit direction per weight and bias tensor and
     * the central difference of the loss, {@code |analytic - numeric| / (|analytic| + 1e-5 / TOL)}.
     */
    static double worstFiniteDifferenceError(NetConfig config, Parameters p, Dataset data, Method method, SolverConfig solver) {
        Parameters g = gradient(config, p, data, method, solver);
        double worst = 0;
        for (int k = 0; k < config.net().layers(); k++) {
            for (boolean bias : new boolean[] {false, true}) {
                Parameters d = GradientCheck.direction(config.net(), k, bias, 31L * k + (bias ? 7 : 0));
                double analytic = GradientCheck.dot(g, d);
                double numeric = GradientCheck.centralDifference(q -> loss(config, q, data, method, solver), p, d, STEP);
                worst = Math.max(worst, Math.abs(analytic - numeric) / (Math.abs(analytic) + 1e-5 / TOL_FINITE_DIFFERENCE));
            }
        }
        return worst;
    }

    @ParameterizedTest
    @CsvSource({"contrastive, relu", "contrastive, hardsigmoid", "contrastive, linear", "lifted, relu", "lifted, hardsigmoid",
            "lifted, linear", "backprop, relu", "backprop, hardsigmoid", "backprop, linear"})
    void gradientsMatchFiniteDifferences(String method, String units) {
        NetConfig config = new NetConfig(NetSpec.parse(NET), Units.parse(units), 0.5);
        Parameters p = TestNets.random(config.net(), 11, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), BATCH, 12);
        double worst = worstFiniteDifferenceError(config, p, data, Method.parse(method), CONVERGED);
        assertTrue(worst < TOL_FINITE_DIFFERENCE, method + " " + units + ": relative error " + worst);
    }

    @ParameterizedTest
    @CsvSource({"squared, 0.3", "cross-entropy, 5"})
    void softClampGradientsMatchFiniteDifferences(String loss, double beta) {
        NetConfig config = new NetConfig(NetSpec.parse(NET), Units.RELU, 0.5, new OutputLoss(OutputLoss.Kind.parse(loss), beta));
        Parameters p = TestNets.random(config.net(), 17, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), BATCH, 18);
        for (Method method : new Method[] {Method.CONTRASTIVE, Method.LIFTED}) {
            double worst = worstFiniteDifferenceError(config, p, data, method, CONVERGED);
            assertTrue(worst < TOL_FINITE_DIFFERENCE, loss + " " + beta + " " + method.id() + ": relative error " + worst);
        }
    }

    @ParameterizedTest
    @EnumSource(Units.class)
    void bothSolversSatisfyKktAndAgree(Units units) {
        NetConfig config = new NetConfig(NetSpec.parse("2x5x5-c3k3-c4k3s2-6-3"), units, 0.25);
        Parameters p = TestNets.random(config.net(), 21, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 9, 22);
        double[][] energies = new double[4][];
        int i = 0;
        for (SolverConfig solver : new SolverConfig[] {CONVERGED, CONVERGED_GS}) {
            try (Engine e = prepared(config, p, data)) {
                e.inferFree(solver);
                e.inferClamped(solver);
                double free = e.kktResidual(Phase.FREE);
                double clamped = e.kktResidual(Phase.CLAMPED);
                assertTrue(free < TestNets.TOL_KKT_F32, solver.solver() + ": free-phase KKT residual " + free);
                assertTrue(clamped < TestNets.TOL_KKT_F32, solver.solver() + ": clamped-phase KKT residual " + clamped);
                energies[i++] = e.energies(Phase.FREE);
                energies[i++] = e.energies(Phase.CLAMPED);
            }
        }
        for (int phase = 0; phase < 2; phase++) {
            for (int r = 0; r < data.count(); r++) {
                double jacobi = energies[phase][r];
                double gs = energies[2 + phase][r];
                assertEquals(jacobi, gs, TestNets.TOL_SOLVERS_F32 * Math.abs(jacobi) + 1e-9,
                        (phase == 0 ? "free" : "clamped") + " energy of sample " + r + ": Jacobi vs Gauss-Seidel");
                assertTrue(energies[0][r] <= energies[1][r] + 1e-6, "sample " + r + ": free above clamped");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Solver.class)
    void energyNeverRisesFromSweepToSweep(Solver kind) {
        NetConfig config = new NetConfig(NetSpec.parse("1x6x6-c4k3-c4k3-5-3"), Units.RELU, 1.0);
        Parameters p = TestNets.random(config.net(), 31, 3.0, 0.5);
        Dataset data = TestNets.randomData(config.net(), 5, 32);
        for (boolean clamped : new boolean[] {false, true}) {
            double[] previous = null;
            for (int sweeps = 0; sweeps <= 12; sweeps++) {
                try (Engine e = prepared(config, p, data)) {
                    SolverConfig solver = SolverConfig.fixed(kind, sweeps);
                    if (clamped) {
                        e.inferClamped(solver);
                    } else {
                        e.inferFree(solver);
                    }
                    double[] energy = e.energies(clamped ? Phase.CLAMPED : Phase.FREE);
                    for (int r = 0; previous != null && r < energy.length; r++) {
                        assertTrue(energy[r] <= previous[r] * (1 + 1e-6) + 1e-7, kind + (clamped ? " clamped" : " free")
                                + " energy of sample " + r + " rose at sweep " + sweeps + ": " + previous[r] + " -> " + energy[r]);
                    }
                    previous = energy;
                }
            }
        }
    }

    /**
     * Gradients repeat bit for bit whatever the number of threads, and from the first (interpreted) calls to the
     * compiled ones: each chunk of the gradient is owned by one thread and summed over the rows in order, and every sum
     * has a fixed order.
     */
    @Test
    void gradientsDoNotDependOnThreadsOrCompilation() {
        NetConfig config = new NetConfig(NetSpec.parse("1x8x8-c4k3s2-c6k3-7-3"), Units.RELU, 0.25);
        Parameters p = TestNets.random(config.net(), 61, 1.2, 0.2);
        Dataset data = TestNets.randomData(config.net(), 19, 62);
        SolverConfig solver = SolverConfig.fixed(Solver.JACOBI, 5);
        float[][] first = new float[2][];
        for (int repeat = 0; repeat < 60; repeat++) {
            for (int threads : new int[] {1, 3}) {
                try (Engine e = new CpuEngine(config, threads)) {
                    e.setParameters(p);
                    e.selectBatch(e.upload(data), identity(data.count()), 0, data.count());
                    e.forward();
                    e.inferFree(solver);
                    e.inferClamped(solver);
                    int m = 0;
                    for (Method method : new Method[] {Method.CONTRASTIVE, Method.BACKPROP}) {
                        e.computeGradient(method);
                        float[] g = e.gradient().flatten();
                        if (first[m] == null) {
                            first[m] = g;
                        }
                        org.junit.jupiter.api.Assertions.assertArrayEquals(first[m], g,
                                method.id() + " gradient with " + threads + " threads, repetition " + repeat);
                        m++;
                    }
                }
            }
        }
    }

    /** Energies and gradients against {@link ExactPhases}. */
    @ParameterizedTest
    @EnumSource(Units.class)
    void matchesTheExactPhases(Units units) {
        CpuPoolingEngineTest.assertMatchesExactPhases(NET, units);
    }

    /**
     * A kernel of side {@code 2H-1} with stride {@code H} on an {@code H x H} map has one output position that reads the
     * whole image: the layer is the dense layer {@code W[f, (c, y, x)] = K[f, c, y + pad, x + pad]}. The net with that
     * layer first (and, in the second net, inside the lifted part after a 1x1 convolution) must match its dense twin in
     * activations, energies and gradients.
     */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"2x4x4-c3k7s4-5-3; 32-3-5-3", "1x4x4-c2k1-c3k7s4-5-3; 16-32-3-5-3"})
    void wholeImageKernelEqualsTheDenseLayer(String convText, String denseText) {
        NetSpec conv = NetSpec.parse(convText);
        NetSpec dense = NetSpec.parse(denseText);
        for (Units units : Units.values()) {
            Parameters pc = TestNets.random(conv, 51, 1.3, 0.3);
            Parameters pd = Parameters.zeros(dense);
            for (int k = 0; k < conv.layers(); k++) {
                denseTwin(conv.conv(k), pc.weight(k), pc.bias(k), dense.width(k), pd.weight(k), pd.bias(k));
            }
            Dataset data = TestNets.randomData(dense, 6, 52);
            NetConfig cc = new NetConfig(conv, units, 0.5);
            NetConfig cd = new NetConfig(dense, units, 0.5);
            for (Method method : new Method[] {Method.CONTRASTIVE, Method.LIFTED, Method.BACKPROP}) {
                Parameters gc = gradient(cc, pc, data, method, CONVERGED);
                Parameters gd = gradient(cd, pd, data, method, CONVERGED);
                Parameters mapped = Parameters.zeros(dense);
                for (int k = 0; k < conv.layers(); k++) {
                    denseTwin(conv.conv(k), gc.weight(k), gc.bias(k), dense.width(k), mapped.weight(k), mapped.bias(k));
                    if (conv.conv(k) != null && conv.conv(k).kernel() == 1) {
                        // a 1x1 convolution shares its weight over the pixels: its gradient is the sum of the dense one's
                        for (int f = 0; f < conv.conv(k).filters(); f++) {
                            double s = 0;
                            double sb = 0;
                            int pixels = dense.width(k);
                            for (int j = 0; j < pixels; j++) {
                                s += gd.weight(k)[(f * pixels + j) * pixels + j];
                                sb += gd.bias(k)[f * pixels + j];
                            }
                            assertEquals(s, gc.weight(k)[f], 1e-4 * (1 + Math.abs(s)), method + " " + units + " 1x1 kernel " + f);
                            assertEquals(sb, gc.bias(k)[f], 1e-4 * (1 + Math.abs(sb)), method + " " + units + " 1x1 bias " + f);
                        }
                        continue;
                    }
                    float[] a = mapped.weight(k);
                    float[] b = gd.weight(k);
                    for (int i = 0; i < a.length; i++) {
                        assertEquals(b[i], a[i], 1e-4 * (1 + Math.abs(b[i])), method + " " + units + " W" + k + "[" + i + "]");
                    }
                    for (int i = 0; i < mapped.bias(k).length; i++) {
                        assertEquals(gd.bias(k)[i], mapped.bias(k)[i], 1e-4, method + " " + units + " b" + k + "[" + i + "]");
                    }
                }
            }
            double lc = loss(cc, pc, data, Method.CONTRASTIVE, CONVERGED);
            double ld = loss(cd, pd, data, Method.CONTRASTIVE, CONVERGED);
            assertEquals(ld, lc, 1e-5 * (1 + Math.abs(ld)), units + ": contrastive loss");
        }
    }

    /**
     * Writes the dense form of layer {@code c} (or copies a dense layer) into {@code w}, {@code b}: for a whole-image
     * kernel {@code W[f, (ch, y, x)] = K[f, ch, y + pad, x + pad]}; for a 1x1 kernel on a map of {@code pixels} pixels the
     * block-diagonal {@code W[(f, j), (0, j)] = K[f, 0, 0, 0]}; biases repeated over positions. Written out by hand so
     * that the test does not rely on {@link ConvLayer#toDense}.
     */
    private static void denseTwin(ConvLayer c, float[] k, float[] kb, int inputs, float[] w, float[] b) {
        if (c == null) {
            System.arraycopy(k, 0, w, 0, w.length);
            System.arraycopy(kb, 0, b, 0, b.length);
            return;
        }
        if (c.kernel() == 1) {
            int pixels = c.height() * c.width();
            for (int f = 0; f < c.filters(); f++) {
                for (int j = 0; j < pixels; j++) {
                    w[(f * pixels + j) * inputs + j] = k[f];
                    b[f * pixels + j] = kb[f];
                }
            }
            return;
        }
        int p = c.pad();
        int side = c.kernel();
        for (int f = 0; f < c.filters(); f++) {
            b[f] = kb[f];
            for (int ch = 0; ch < c.channels(); ch++) {
                for (int y = 0; y < c.height(); y++) {
                    for (int x = 0; x < c.width(); x++) {
                        w[f * inputs + (ch * c.height() + y) * c.width() + x] = k[((f * c.channels() + ch) * side + y + p) * side + x + p];
                    }
                }
            }
        }
    }
}
