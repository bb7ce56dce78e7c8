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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link ImplicitGradient} (conjugate gradients over the layer maps) against the dense reference of the tests
 * ({@link NudgeReference}: Gaussian elimination on the assembled Hessian), against central differences of the free
 * loss for a convolutional and pooled net ({@link ExactPhases}' free solutions), and its back-propagation against
 * central differences of the loss at the forward pass.
 */
class ImplicitGradientTest {

    /** Agreement of two double computations of the same gradient (CG stops at 1e-10 relative). */
    private static final double TOL_F64 = 1e-7;
    /** Central differences of a loss, steps of 1e-2 to 1e-4 (the parameters are float), exact solves: truncation error. */
    private static final double TOL_DIFFERENCE = 1e-3;

    @ParameterizedTest
    @CsvSource({"8-6-5-4, relu, squared", "8-6-5-4, hardsigmoid, cross-entropy", "7-9-4, linear, squared"})
    void exactGradientMatchesTheDenseReference(String spec, String units, String loss) {
        NetConfig config = new NetConfig(NetSpec.parse(spec), Units.parse(units), 0.5,
                new OutputLoss(OutputLoss.Kind.parse(loss), 1));
        Parameters p = TestNets.random(config.net(), 51, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 5, 52);
        NudgeReference ref = new NudgeReference(config, p);
        double[][] ew = ExactPhases.zeroWeights(p.net());
        double[][] eb = ExactPhases.zeroBiases(p.net());
        double[][] gw = ExactPhases.zeroWeights(p.net());
        double[][] gb = ExactPhases.zeroBiases(p.net());
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
        double[][] gw = ExactPhases.zeroWeights(config.net());
        double[][] gb = ExactPhases.zeroBiases(config.net());
        ExactPhases ref = new ExactPhases(config, p);
        for (int s = 0; s < data.count(); s++) {
            double[][] z = ref.solve(data.inputs(), s * data.width(), data.labels()[s], 0);
            implicit.addExact(z, data.labels()[s], 1, gw, gb);
        }
        assertMatchesDifferences(config, p, data, gw, gb, true, spec);
    }

    /** {@code 1/2 ||z_L - e_y||^2} summed over the samples, at the free solutions or at the forward pass. */
    private static double loss(NetConfig config, Parameters p, Dataset data, boolean free) {
        ExactPhases ref = new ExactPhases(config, p);
        double s = 0;
        for (int r = 0; r < data.count(); r++) {
            int o = r * data.width();
            int y = data.labels()[r];
            double[][] z = free ? ref.solve(data.inputs(), o, y, 0) : ref.forward(data.inputs(), o);
            for (int i = 0; i < z[z.length - 1].length; i++) {
                double e = z[z.length - 1][i] - (i == y ? 1 : 0);
                s += e * e / 2;
            }
        }
        return s;
    }

    /**
     * Back-propagation against central differences of the loss at the forward pass; the best of three steps, since a
     * step may carry a pre-activation across a kink of the units.
     */
    @ParameterizedTest
    @CsvSource({"8-6-5-4, relu", "1x8x8-c2k3-p2-5-4, hardsigmoid", "1x6x6-c2k3s2-5-4, linear"})
    void backpropMatchesDifferencesOfTheForwardLoss(String spec, String units) {
        NetConfig config = new NetConfig(NetSpec.parse(spec), Units.parse(units), 0.5);
        Parameters p = TestNets.random(config.net(), 55, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 4, 56);
        double[][] gw = ExactPhases.zeroWeights(config.net());
        double[][] gb = ExactPhases.zeroBiases(config.net());
        ImplicitGradient implicit = new ImplicitGradient(config, p, OutputLoss.Kind.SQUARED);
        ExactPhases forward = new ExactPhases(config, p);
        for (int s = 0; s < data.count(); s++) {
            implicit.addBackprop(forward.forward(data.inputs(), s * data.width()), data.labels()[s], 1, gw, gb);
        }
        assertMatchesDifferences(config, p, data, gw, gb, false, spec);
    }

    /** The gradient {@code gw}, {@code gb} along a random direction per layer and part against {@link #loss}. */
    private static void assertMatchesDifferences(NetConfig config, Parameters p, Dataset data, double[][] gw,
                                                 double[][] gb, boolean free, String what) {
        for (int k = 0; k < config.net().layers(); k++) {
            for (boolean bias : new boolean[] {false, true}) {
                Parameters d = GradientCheck.direction(config.net(), k, bias, 7L * k + (bias ? 3 : 0));
                double analytic = 0;
                float[] dv = bias ? d.bias(k) : d.weight(k);
                double[] g = bias ? gb[k] : gw[k];
                for (int i = 0; i < dv.length; i++) {
                    analytic += g[i] * dv[i];
                }
                double error = Double.POSITIVE_INFINITY;
                for (double step : free ? new double[] {1e-2} : new double[] {1e-2, 1e-3, 1e-4}) {
                    double numeric = GradientCheck.centralDifference(q -> loss(config, q, data, free), p, d, step);
                    error = Math.min(error, Math.abs(analytic - numeric));
                }
                assertEquals(0, error, TOL_DIFFERENCE * (Math.abs(analytic) + 1e-3), what + " d/d" + (bias ? "b" : "W") + k);
            }
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
