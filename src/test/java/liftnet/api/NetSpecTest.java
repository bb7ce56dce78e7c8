package liftnet.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NetSpecTest {

    @Test
    void parsesWidthsAndCountsLayers() {
        NetSpec net = NetSpec.parse("784-64-64-64-10");
        assertArrayEquals(new int[] {784, 64, 64, 64, 10}, net.widths());
        assertEquals(4, net.layers());
        assertEquals(3, net.hiddenLayers());
        assertEquals("784-64-64-64-10", net.toString());
        assertEquals(784 * 64 + 64 + 2 * (64 * 64 + 64) + 64 * 10 + 10, net.parameterCount());
        assertEquals(NetSpec.parse("784-10"), net.inputToOutput());
    }

    @ParameterizedTest
    @ValueSource(strings = {"784-x-10", "784", "784-0-10", "", "784--10", "-5-3", "784-64-"})
    void rejectsMalformedNets(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetSpec.parse(text));
        assertTrue(e.getMessage().contains("e.g."), "message should show the expected form: " + e.getMessage());
    }

    @Test
    void namesTheOffendingLayer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetSpec.parse("784-64-x-10"));
        assertTrue(e.getMessage().contains("layer 2"), e.getMessage());
    }

    @Test
    void unitsProjectOntoTheirSets() {
        assertEquals(0f, Units.RELU.project(-2f));
        assertEquals(3f, Units.RELU.project(3f));
        assertEquals(1f, Units.HARDSIGMOID.project(3f));
        assertEquals(-3f, Units.LINEAR.project(-3f));
        assertEquals(Units.HARDSIGMOID, Units.parse("hard-sigmoid"));
        assertThrows(IllegalArgumentException.class, () -> Units.parse("tanh"));
        assertThrows(IllegalArgumentException.class, () -> Method.parse("adam"));
        assertThrows(IllegalArgumentException.class, () -> new NetConfig(NetSpec.parse("4-2"), Units.RELU, Double.NaN));
    }

    @Test
    void contrastiveLearningRateScalesWithGamma() {
        NetConfig config = new NetConfig(NetSpec.parse("784-64-64-64-10"), Units.RELU, 0.125);
        for (int k = 0; k < 4; k++) {
            assertEquals(0.05 * 512, Method.CONTRASTIVE.layerRate(0.05, config, k), 1e-12);
            assertEquals(0.05 * Math.pow(8, k), Method.LIFTED.layerRate(0.05, config, k), 1e-12);
            assertEquals(0.05, Method.BACKPROP.layerRate(0.05, config, k), 1e-15);
        }
    }

    @Test
    void initialWeightsAreSeededAndSharedAcrossNets() {
        Parameters a = Parameters.initial(NetSpec.parse("20-10-5"), 3);
        Parameters b = Parameters.initial(NetSpec.parse("20-10-5"), 3);
        Parameters c = Parameters.initial(NetSpec.parse("20-10-7"), 3);
        assertEquals(a, b);
        assertArrayEquals(a.weight(0), c.weight(0));
        assertTrue(a.isFinite());
    }
}
