package liftnet.cpu;

import static liftnet.cpu.CpuEngineConvTest.prepared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import liftnet.GradientCheck;
import liftnet.TestNets;
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
import liftnet.train.ImplicitGradient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Nets with average pooling on {@link CpuEngine}: the gradient of every method against finite differences of its
 * loss, KKT of both phases for both solvers, Gauss-Seidel against Jacobi, everything against {@link ExactPhases}
 * (which applies a pooled layer as the map {@code W P}), and a pooled convolution against the dense net whose layer is
 * the operator {@code W P} written out by hand.
 */
class CpuPoolingEngineTest {

    /** A convolution that reads a pooled map inside the lifted part. */
    static final String CONV_AFTER_POOL = "1x6x6-c3k3-p2-c4k3-5-4";
    /** A dense layer that reads a pooled map, after a stride-2 convolution. */
    static final String DENSE_AFTER_POOL = "2x8x8-c3k3s2-c2k3-p2-5-3";
    private static final SolverConfig CONVERGED = SolverConfig.fixed(Solver.JACOBI, 600);
    private static final SolverConfig CONVERGED_GS = SolverConfig.fixed(Solver.GAUSS_SEIDEL, 600);
    /** As in {@link CpuEngineConvTest}: float energies, central differences. */
    private static final double TOL_FINITE_DIFFERENCE = 2e-2;
    /**
     * Central-difference steps. A pooled map has many ReLU and hard-sigmoid units near their kinks, and the contract's
     * step 3e-3 crosses some of them (measured: backprop ReLU, second layer, 1.7e-3 against the analytic 3.26e-3, which
     * step 1e-3 gives as 3.251e-3); 1e-3 alone has more float noise in the energies, and so, on the one CPU engine, has
     * 3e-3 where no kink is near (contrastive ReLU, dense layer after the pooling: analytic -3.0340e-3, step 1e-2
     * -3.0334e-3, 3e-3 -2.946e-3, 1e-3 -2.753e-3). Each direction takes the best of the three: a wrong gradient is off
     * at all of them.
     */
    private static final double[] STEPS = {1e-2, 3e-3, 1e-3};
    /** As in {@link CpuEngineConvTest}: float results against the double reference. */
    private static final double TOL_REFERENCE = 2e-4;
    /** Float activations of the pooled net and its dense twin, which sum the same terms in another order. */
    private static final double TOL_TWIN = 1e-4;
    private static final int BATCH = 7;

    @ParameterizedTest
    @CsvSource({"contrastive, relu, " + CONV_AFTER_POOL, "contrastive, hardsigmoid, " + DENSE_AFTER_POOL,
            "contrastive, linear, " + CONV_AFTER_POOL, "lifted, relu, " + DENSE_AFTER_POOL,
            "lifted, hardsigmoid, " + CONV_AFTER_POOL, "backprop, relu, " + CONV_AFTER_POOL,
            "backprop, hardsigmoid, " + DENSE_AFTER_POOL, "backprop, linear, " + DENSE_AFTER_POOL,
            "contrastive, relu, " + DENSE_AFTER_POOL, "lifted, linear, " + CONV_AFTER_POOL})
    void gradientsMatchFiniteDifferences(String method, String units, String net) {
        NetConfig config = new NetConfig(NetSpec.parse(net), Units.parse(units), 0.5);
        Parameters p = TestNets.random(config.net(), 11, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), BATCH, 12);
        double worst = worstFiniteDifferenceError(config, p, data, Method.parse(method));
        assertTrue(worst < TOL_FINITE_DIFFERENCE, method + " " + units + " " + net + ": relative error " + worst);
    }

    /**
     * The largest, over a seeded unit direction per weight and bias tensor, relative difference between the gradient
     * along it and the central difference of the method's loss ({@link CpuEngineConvTest#loss}), the better of
     * {@link #STEPS}: {@code |analytic - numeric| / (|analytic| + 1e-5 / TOL)}.
     */
    private static double worstFiniteDifferenceError(NetConfig config, Parameters p, Dataset data, Method method) {
        Parameters g = CpuEngineConvTest.gradient(config, p, data, method, CONVERGED);
        double worst = 0;
        for (int k = 0; k < config.net().layers(); k++) {
            for (boolean bias : new boolean[] {false, true}) {
                Parameters d = GradientCheck.direction(config.net(), k, bias, 31L * k + (bias ? 7 : 0));
                double analytic = GradientCheck.dot(g, d);
                double best = Double.POSITIVE_INFINITY;
                for (double step : STEPS) {
                    double numeric = GradientCheck.centralDifference(
                            q -> CpuEngineConvTest.loss(config, q, data, method, CONVERGED), p, d, step);
                    best = Math.min(best, Math.abs(analytic - numeric) / (Math.abs(analytic) + 1e-5 / TOL_FINITE_DIFFERENCE));
                }
                worst = Math.max(worst, best);
            }
        }
        return worst;
    }

    /** Linear regression of a pooling net's data trains the dense net input to output, which has no pooling. */
    @org.junit.jupiter.api.Test
    void linearRegressionIsTheDenseNetOfTheSameInputs() {
        NetSpec net = NetSpec.parse(DENSE_AFTER_POOL);
        NetConfig config = new NetConfig(net.inputToOutput(), Units.LINEAR, 0.5);
        assertEquals("128-3", config.net().toString());
        Parameters p = TestNets.random(config.net(), 13, 1.0, 0.3);
        Dataset data = TestNets.randomData(net, BATCH, 14);
        double worst = worstFiniteDifferenceError(config, p, data, Method.LINEAR);
        assertTrue(worst < TOL_FINITE_DIFFERENCE, "linear: relative error " + worst);
    }

    @ParameterizedTest
    @CsvSource({"squared, 0.3", "cross-entropy, 5"})
    void softClampGradientsMatchFiniteDifferences(String loss, double beta) {
        NetConfig config = new NetConfig(NetSpec.parse(CONV_AFTER_POOL), Units.RELU, 0.5,
                new OutputLoss(OutputLoss.Kind.parse(loss), beta));
        Parameters p = TestNets.random(config.net(), 17, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), BATCH, 18);
        for (Method method : new Method[] {Method.CONTRASTIVE, Method.LIFTED}) {
            double worst = worstFiniteDifferenceError(config, p, data, method);
            assertTrue(worst < TOL_FINITE_DIFFERENCE, loss + " " + beta + " " + method.id() + ": relative error " + worst);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {CONV_AFTER_POOL, DENSE_AFTER_POOL})
    void bothSolversSatisfyKktAndAgree(String text) {
        for (Units units : Units.values()) {
            NetConfig config = new NetConfig(NetSpec.parse(text), units, 0.25);
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
                    String what = text + " " + units + " " + solver.solver();
                    assertTrue(free < TestNets.TOL_KKT_F32, what + ": free-phase KKT residual " + free);
                    assertTrue(clamped < TestNets.TOL_KKT_F32, what + ": clamped-phase KKT residual " + clamped);
                    energies[i++] = e.energies(Phase.FREE);
                    energies[i++] = e.energies(Phase.CLAMPED);
                }
            }
            for (int phase = 0; phase < 2; phase++) {
                for (int r = 0; r < data.count(); r++) {
                    double jacobi = energies[phase][r];
                    double gs = energies[2 + phase][r];
                    assertEquals(jacobi, gs, TestNets.TOL_SOLVERS_F32 * Math.abs(jacobi) + 1e-9, text + " " + units + " "
                            + (phase == 0 ? "free" : "clamped") + " energy of sample " + r + ": Jacobi vs Gauss-Seidel");
                }
            }
        }
    }

    /** Energies and the gradients of contrastive and backprop against the exact phases in double precision. */
    @ParameterizedTest
    @EnumSource(Units.class)
    void matchesTheExactPhases(Units units) {
        for (String text : new String[] {CONV_AFTER_POOL, DENSE_AFTER_POOL}) {
            assertMatchesExactPhases(text, units);
        }
    }

    /**
     * The engine's converged energies of both phases and its contrastive and backprop gradients on {@code text} (a
     * conv net, pooled or not) against {@link ExactPhases} and {@link ImplicitGradient#addBackprop}, double-precision
     * references that apply each convolution and pooling as its own loop over the taps.
     */
    static void assertMatchesExactPhases(String text, Units units) {
        NetConfig config = new NetConfig(NetSpec.parse(text), units, 0.25);
        NetSpec net = config.net();
        Parameters p = TestNets.random(net, 41, 1.2, 0.2);
        Dataset data = TestNets.randomData(net, 5, 42);
        ExactPhases ref = new ExactPhases(config, p);
        ImplicitGradient backprop = new ImplicitGradient(config, p, OutputLoss.Kind.SQUARED);
        double[][] gw = ExactPhases.zeroWeights(net);
        double[][] gb = ExactPhases.zeroBiases(net);
        double[][] bw = ExactPhases.zeroWeights(net);
        double[][] bb = ExactPhases.zeroBiases(net);
        double[] free = new double[data.count()];
        double[] clamped = new double[data.count()];
        for (int s = 0; s < data.count(); s++) {
            int offset = s * net.inputs();
            int y = data.labels()[s];
            double[][] zc = ref.solve(data.inputs(), offset, y, ExactPhases.HARD_CLAMP);
            double[][] zf = ref.solve(data.inputs(), offset, y, 0);
            free[s] = ref.energy(zf);
            clamped[s] = ref.energy(zc);
            ref.addEnergyGradient(zc, 1.0 / data.count(), gw, gb);
            ref.addEnergyGradient(zf, -1.0 / data.count(), gw, gb);
            backprop.addBackprop(ref.forward(data.inputs(), offset), y, 1.0 / data.count(), bw, bb);
        }
        try (Engine e = prepared(config, p, data)) {
            e.inferFree(CONVERGED);
            e.inferClamped(CONVERGED);
            double[] ef = e.energies(Phase.FREE);
            double[] ec = e.energies(Phase.CLAMPED);
            for (int s = 0; s < data.count(); s++) {
                assertEquals(free[s], ef[s], TOL_REFERENCE * (1 + Math.abs(free[s])), text + " free energy " + s);
                assertEquals(clamped[s], ec[s], TOL_REFERENCE * (1 + Math.abs(clamped[s])), text + " clamped energy " + s);
            }
            e.computeGradient(Method.CONTRASTIVE);
            assertGradientClose(net, gw, gb, e.gradient(), 1e-3, text + " contrastive");
            e.computeGradient(Method.BACKPROP);
            assertGradientClose(net, bw, bb, e.gradient(), TOL_REFERENCE, text + " backprop");
        }
    }

    private static void assertGradientClose(NetSpec net, double[][] gw, double[][] gb, Parameters g, double relative,
                                            String what) {
        for (int k = 0; k < net.layers(); k++) {
            TestNets.assertRelativelyClose(gw[k], g.weight(k), relative, 1e-9, what + " W" + k);
            TestNets.assertRelativelyClose(gb[k], g.bias(k), relative, 1e-9, what + " b" + k);
        }
    }

    /**
     * {@code 1x4x4-c2k3-p2-5-3} against the dense net {@code 16-32-5-3} whose first layer is the convolution's matrix
     * and whose second is {@code W P}, the dense layer on the pooled map times the pooling, written out by hand: the
     * same energies in both phases, and gradients that agree once the twin's {@code W P} gradient is pulled back to
     * {@code W} ({@code g P^T}, each window's entries summed / 4).
     */
    @ParameterizedTest
    @EnumSource(Units.class)
    void pooledLayerEqualsTheDenseLayerOfItsOperator(Units units) {
        NetSpec pooled = NetSpec.parse("1x4x4-c2k3-p2-5-3");
        NetSpec dense = NetSpec.parse("16-32-5-3");
        Parameters pp = TestNets.random(pooled, 51, 1.3, 0.3);
        Parameters pd = Parameters.zeros(dense);
        double[][] conv = pooled.conv(0).toDense(pp.weight(0));
        for (int i = 0; i < 32; i++) {
            for (int j = 0; j < 16; j++) {
                pd.weight(0)[i * 16 + j] = (float) conv[i][j];
            }
            pd.bias(0)[i] = pp.bias(0)[i / 16];
        }
        // W P: unit (c, y, x) of the 2x4x4 map feeds pooled position (c, y / 2, x / 2) of the 2x2x2 map with weight 1/4
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 32; j++) {
                pd.weight(1)[i * 32 + j] = pp.weight(1)[i * 8 + window(j)] / 4f;
            }
        }
        System.arraycopy(pp.weight(2), 0, pd.weight(2), 0, 15);
        System.arraycopy(pp.bias(1), 0, pd.bias(1), 0, 5);
        System.arraycopy(pp.bias(2), 0, pd.bias(2), 0, 3);
        Dataset data = TestNets.randomData(dense, 6, 52);
        NetConfig cp = new NetConfig(pooled, units, 0.5);
        NetConfig cd = new NetConfig(dense, units, 0.5);
        for (SolverConfig solver : new SolverConfig[] {CONVERGED, CONVERGED_GS}) {
            try (Engine a = prepared(cp, pp, data); Engine b = prepared(cd, pd, data)) {
                a.inferFree(solver);
                b.inferFree(solver);
                a.inferClamped(solver);
                b.inferClamped(solver);
                for (Phase phase : new Phase[] {Phase.FREE, Phase.CLAMPED}) {
                    double[] ea = a.energies(phase);
                    double[] eb = b.energies(phase);
                    for (int r = 0; r < ea.length; r++) {
                        assertEquals(eb[r], ea[r], TOL_TWIN * (1 + Math.abs(eb[r])), units + " " + solver.solver() + " "
                                + phase + " energy of sample " + r);
                    }
                    float[] za = a.activations(phase, 1);
                    float[] zb = b.activations(phase, 1);
                    for (int i = 0; i < za.length; i++) {
                        assertEquals(zb[i], za[i], TOL_TWIN * (1 + Math.abs(zb[i])), units + " " + phase + " z_1[" + i + "]");
                    }
                }
                for (Method method : new Method[] {Method.CONTRASTIVE, Method.LIFTED, Method.BACKPROP}) {
                    a.computeGradient(method);
                    b.computeGradient(method);
                    Parameters ga = a.gradient();
                    Parameters gb = b.gradient();
                    for (int o = 0; o < 5 * 8; o++) {
                        double sum = 0;
                        for (int j = 0; j < 32; j++) {
                            if (window(j) == o % 8) {
                                sum += gb.weight(1)[(o / 8) * 32 + j] / 4.0;
                            }
                        }
                        assertEquals(sum, ga.weight(1)[o], TOL_TWIN * (1 + Math.abs(sum)), method + " " + units + " W1[" + o + "]");
                    }
                    for (int i = 0; i < 5; i++) {
                        assertEquals(gb.bias(1)[i], ga.bias(1)[i], TOL_TWIN, method + " " + units + " b1[" + i + "]");
                    }
                    double[][] g0 = new double[32][16];
                    for (int i = 0; i < 32; i++) {
                        for (int j = 0; j < 16; j++) {
                            g0[i][j] = gb.weight(0)[i * 16 + j];
                        }
                    }
                    double[] kernel = pooled.conv(0).foldDense(g0);
                    for (int i = 0; i < kernel.length; i++) {
                        assertEquals(kernel[i], ga.weight(0)[i], TOL_TWIN * (1 + Math.abs(kernel[i])),
                                method + " " + units + " kernel[" + i + "]");
                    }
                }
            }
        }
    }

    /** The pooled position of unit {@code j = (c, y, x)} of a 2x4x4 map under 2x2 windows. */
    private static int window(int j) {
        int c = j / 16;
        int y = (j % 16) / 4;
        int x = j % 4;
        return (c * 2 + y / 2) * 2 + x / 2;
    }
}
