package liftnet.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import liftnet.TestNets;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Units;
import liftnet.data.Dataset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The paper's Section 4 claim, which {@link GradientAgreement} measures: the contrastive gradient divided by
 * {@code gamma^(L-1)} tends to the back-propagation gradient as {@code gamma -> 0}, in every layer, for dense and for
 * convolutional layers (whose gradients are compared as kernel gradients).
 */
class GradientAgreementTest {

    private static final double[] GAMMAS = {1.0 / 2, 1.0 / 16, 1.0 / 256};
    /** Cosine required at the smallest gamma: the contrastive gradient there is back-propagation up to O(gamma). */
    private static final double COSINE_SMALL_GAMMA = 0.99;

    @ParameterizedTest
    @ValueSource(strings = {"12-7-6-3", "2x5x5-c3k3-c4k3s2-6-3"})
    void contrastiveTendsToBackpropAsGammaShrinks(String spec) {
        NetSpec net = NetSpec.parse(spec);
        Parameters p = TestNets.random(net, 5, 1.0, 0.2);
        Dataset samples = TestNets.randomData(net, 6, 9);
        double[][] cos = GradientAgreement.cosines(p, Units.RELU, samples, GAMMAS);
        int smallest = GAMMAS.length - 1;
        for (int k = 0; k < net.layers(); k++) {
            double c = cos[smallest][k];
            assertTrue(c > COSINE_SMALL_GAMMA, "layer " + k + ": cosine " + c + " at gamma " + GAMMAS[smallest]);
            assertTrue(c >= cos[0][k], "layer " + k + ": cosine " + c + " at gamma " + GAMMAS[smallest]
                    + " below the " + cos[0][k] + " at gamma " + GAMMAS[0]);
        }
    }
}
