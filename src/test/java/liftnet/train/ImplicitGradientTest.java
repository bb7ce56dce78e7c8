package liftnet.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import liftnet.GradientCheck;
import liftnet.TestNets;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.OutputLoss;
import liftnet.api.Parameters;
import liftnet.api.Units;
import liftnet.data.Dataset;
import liftnet.solve.DoubleReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link ImplicitGradient} (conjugate gradients over the layer maps) against the dense reference of the tests
 * ({@link NudgeReference}: Gaussian elimination on the assembled Hessian), against central differences of the free
 * loss for a convolutional and pooled net ({@link DoubleReference}'s free solutions), and its back-propagation against
 * {@link DoubleReference#addBackpropGradient}.
 */
class ImplicitGradientTest {

    /** Agreement of two double computations of the same gradient (CG stops at 1e-10 relative). */
    private static final double TOL_F64 = 1e-7;
    /** Central differences of the free loss, step 1e-2 (the parameters are float), solves to 1e-14: truncation error. */
    private static final double TOL_DIFFERENCE = 1e-3;

    @ParameterizedTest
    @CsvSource({"8-6-5-4, relu, squared", "8-6-5-4, hardsigmoid, cross-entropy", "7-9-4, linear, squared"})
    void exactGradientMatchesTheDenseReference(String spec, String units, String loss) {
        NetConfig config = new NetConfig(NetSpec.parse(spec), Units.parse(units), 0.5,
                new OutputLoss(OutputLoss.Kind.parse(loss), 1));
        Parameters p = TestNets.random(config.net(), 51, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 5, 52);
        NudgeReference ref = new NudgeReference(config, p);
        double[][] ew = ref.zeroWeights();
        double[][] eb = ref.zeroBiases();
        double[][] gw = ref.zeroWeights();
        double[][] gb = ref.zeroBiases();
        ImplicitGradient implicit = new ImplicitGradient(config, p, config.outputLoss().kind());
        for (int s = 0; s < data.count(); s++) {
            int o = s * data.width();
            int y = data.labels()[s];
            ref.addExactGradient(data.inputs(), o, y, 1, ew, eb);
            implicit.addExact(ref.solve(data.inputs(), o, y, 0), y, 1, gw, gb);
        }
        assertClose(ew, gw, spec + " weights");
        assertClose(eb, gb, spec + " biases");
    }

    @ParameterizedTest
    @CsvSource({"1x6x6-c2k3s2-5-4", "1x8x8-c2k3-p2-5-4"})
    void exactGradientOfAConvNetMatchesDifferencesOfTheFreeLoss(String spec) {
        NetConfig config = new NetConfig(NetSpec.parse(spec), Units.LINEAR, 0.5);
        Parameters p = TestNets.random(config.net(), 53, 1.2, 0.3);
        Dataset data = TestNets.randomData(config.net(), 3, 54);
        ImplicitGradient implicit = new ImplicitGradient(config, p, OutputLoss.Kind.SQUARED);
        int layers = config.net().layers();
        double[][] gw = new double[layers][];
        double[][] gb = new double[layers][];
        for (int k = 0; k < layers; k++) {
            gw[k] = new double[config.net().weightCount(k)];
            gb[k] = new double[config.net().biasCount(k)];
        }
        DoubleReference ref = new DoubleReference(config, p);
        for (int s = 0; s < data.count(); s++) {
            double[][] z = ref.solve(data.inputs(), s * data.width(), -1, 100_000, 1e-14);
            implicit.addExact(z, data.labels()[s], 1, gw, gb);
        }
        for (int k = 0; k < layers; k++) {
            for (boolean bias : new boolean[] {false, true}) {
                Parameters d = GradientCheck.direction(config.net(), k, bias, 7L * k + (bias ? 3 : 0));
                double analytic = 0;
                float[] dv = bias ? d.bias(k) : d.weight(k);
                double[] g = bias ? gb[k] : gw[k];
                for (int i = 0; i < dv.length; i++) {
                    analytic += g[i] * dv[i];
                }
                double numeric = GradientCheck.centralDifference(q -> freeLoss(config, q, data), p, d, 1e-2);
                assertEquals(analytic, numeric, TOL_DIFFERENCE * (Math.abs(analytic) + 1e-3),
                        spec + " d/d" + (bias ? "b" : "W") + k);
            }
        }
    }

    private static double freeLoss(NetConfig config, Parameters p, Dataset data) {
        DoubleReference ref = new DoubleReference(config, p);
        double s = 0;
        for (int r = 0; r < data.count(); r++) {
            double[] z = ref.solve(data.inputs(), r * data.width(), -1, 100_000, 1e-14)[config.net().layers()];
            for (int i = 0; i < z.length; i++) {
                double e = z[i] - (i == data.labels()[r] ? 1 : 0);
                s += e * e / 2;
            }
        }
        return s;
    }

    @ParameterizedTest
    @CsvSource({"8-6-5-4, relu", "1x8x8-c2k3-p2-5-4, hardsigmoid"})
    void backpropMatchesTheDoubleReference(String spec, String units) {
        NetConfig config = new NetConfig(NetSpec.parse(spec), Units.parse(units), 0.5);
        Parameters p = TestNets.random(config.net(), 55, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 4, 56);
        DoubleReference ref = new DoubleReference(config, p);
        double[][][] dw = ref.zeroWeights();
        double[][] db = ref.zeroBiases();
        int layers = config.net().layers();
        double[][] gw = new double[layers][];
        double[][] gb = new double[layers][];
        for (int k = 0; k < layers; k++) {
            gw[k] = new double[config.net().weightCount(k)];
            gb[k] = new double[config.net().biasCount(k)];
        }
        ImplicitGradient implicit = new ImplicitGradient(config, p, OutputLoss.Kind.SQUARED);
        for (int s = 0; s < data.count(); s++) {
            int o = s * data.width();
            ref.addBackpropGradient(data.inputs(), o, data.labels()[s], dw, db);
            implicit.addBackprop(ref.forward(data.inputs(), o), data.labels()[s], 1, gw, gb);
        }
        for (int k = 0; k < layers; k++) {
            double[] w;
            double[] b;
            if (config.net().conv(k) != null) {
                w = config.net().conv(k).foldDense(config.net().pooling(k) == null ? dw[k] : config.net().pooling(k).foldDense(dw[k]));
                b = config.net().conv(k).foldBias(db[k]);
            } else {
                double[][] m = config.net().pooling(k) == null ? dw[k] : config.net().pooling(k).foldDense(dw[k]);
                w = new double[config.net().weightCount(k)];
                for (int i = 0; i < m.length; i++) {
                    System.arraycopy(m[i], 0, w, i * m[i].length, m[i].length);
                }
                b = db[k];
            }
            assertClose(new double[][] {w, b}, new double[][] {gw[k], gb[k]}, spec + " layer " + k);
        }
    }

    private static void assertClose(double[][] expected, double[][] actual, String what) {
        double diff = 0;
        double norm = 0;
        for (int k = 0; k < expected.length; k++) {
            for (int i = 0; i < expected[k].length; i++) {
                diff += Math.pow(expected[k][i] - actual[k][i], 2);
                norm += expected[k][i] * expected[k][i];
            }
        }
        assertEquals(0, Math.sqrt(diff / norm), TOL_F64, what);
    }
}
