package liftnet.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Average pooling {@code p<K>} in the {@code --net} grammar, the shapes it implies, and what it refuses. */
class PoolingNetSpecTest {

    @Test
    void poolingKeepsTheConvolutionsUnitsAndShrinksWhatTheNextLayerReads() {
        NetSpec net = NetSpec.parse("1x28x28-c16k5s2-c32k3-p2-64-10");
        // units stay the convolution's outputs: 32 x 14 x 14; the dense layer reads the pooled 32 x 7 x 7
        assertArrayEquals(new int[] {784, 16 * 14 * 14, 32 * 14 * 14, 64, 10}, net.widths());
        assertArrayEquals(new int[] {1, 1, 2, 1}, net.pools());
        assertNull(net.pooling(1));
        assertEquals(new Pooling(32, 14, 14, 2), net.pooling(2));
        assertEquals(32 * 7 * 7, net.pooledWidth(2));
        assertEquals(net.width(1), net.pooledWidth(1));
        assertArrayEquals(new int[] {64, 32 * 7 * 7}, net.weightShape(2));
        assertEquals(64 * 32 * 49, net.weightCount(2));
        assertEquals(32 * 49, net.fanIn(2));
        assertEquals("1,1,2,1", net.poolSizes());
        assertEquals("conv,conv,dense,dense", net.layerKinds());
        assertTrue(net.hasPooling());
        assertEquals("1x28x28-c16k5s2-c32k3-p2-64-10", net.toString());
        assertEquals(net, NetSpec.parse(net.toString()));
        assertFalse(net.equals(NetSpec.parse("1x28x28-c16k5s2-c32k3-64-10")));
        assertFalse(NetSpec.parse("1x28x28-c16k5s2-c32k3-64-10").hasPooling());
    }

    @Test
    void aConvolutionAfterPoolingReadsThePooledImage() {
        NetSpec net = NetSpec.parse("3x32x32-c64k3-p2-c128k3-p2-c256k3-p2-c256k3-p2-10");
        assertEquals(new ConvLayer(3, 32, 32, 64, 3, 1), net.conv(0));
        assertEquals(new ConvLayer(64, 16, 16, 128, 3, 1), net.conv(1));
        assertEquals(new ConvLayer(128, 8, 8, 256, 3, 1), net.conv(2));
        assertEquals(new ConvLayer(256, 4, 4, 256, 3, 1), net.conv(3));
        assertArrayEquals(new int[] {3072, 64 * 1024, 128 * 256, 256 * 64, 256 * 16, 10}, net.widths());
        assertArrayEquals(new int[] {10, 256 * 4}, net.weightShape(4));
        assertEquals("3x32x32-c64k3-p2-c128k3-p2-c256k3-p2-c256k3-p2-10", net.toString());
        assertEquals(net, NetSpec.parse(net.toString()));
    }

    @Test
    void poolingMatrixAndItsAdjoint() {
        Pooling p = new Pooling(2, 4, 6, 2);
        assertEquals(48, p.inputs());
        assertEquals(12, p.outputs());
        // unit (c=1, y=3, x=4) lies in window (1, 1, 2)
        assertEquals((1 * 2 + 1) * 3 + 2, p.pooled((1 * 4 + 3) * 6 + 4));
        double[][] m = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}};
        double[][] mp = p.compose(m);
        assertEquals(m[0][p.pooled(17)] / 4, mp[0][17]);
        // <M P, G> = <M, fold(G)> for any G: the adjoint
        double[][] g = new double[1][48];
        for (int j = 0; j < 48; j++) {
            g[0][j] = Math.sin(j + 1.0);
        }
        double left = 0;
        for (int j = 0; j < 48; j++) {
            left += mp[0][j] * g[0][j];
        }
        double[][] folded = p.foldDense(g);
        double right = 0;
        for (int o = 0; o < 12; o++) {
            right += m[0][o] * folded[0][o];
        }
        assertEquals(left, right, 1e-12);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "1x28x28-c16k5s2-m2-64-10; 'm2'",
            "1x28x28-c16k5s2-max2-64-10; 'max2'",
            "1x28x28-c16k5s2-maxpool2-64-10; 'maxpool2'",
            "1x28x28-c16k5s2-pool2-64-10; 'pool2'",
            "1x28x28-c16k5s2-avg2-64-10; 'avg2'",
            "1x28x28-c16k5s2-p2x2-64-10; 'p2x2'"})
    void maxAndOtherPoolingWordsSayWhyAndPointToAveragePooling(String text, String part) {
        String message = assertThrows(IllegalArgumentException.class, () -> NetSpec.parse(text)).getMessage();
        assertTrue(message.contains(part), message);
        assertTrue(message.contains("max pooling is not linear"), message);
        assertTrue(message.contains("convex quadratic"), message);
        assertTrue(message.contains("p<K>"), message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "1x28x28-c16k5s2-p3-64-10; p3 does not divide the 14x14 map; e.g. p2 or p7",
            "1x6x4-c2k3-p3-5; divides both 6 and 4; e.g. p2",
            "1x28x28-p2-c16k5-10; must follow a convolution; ('p2')",
            "1x28x28-c16k5-64-p2-10; must follow a convolution; ('p2')",
            "1x28x28-c16k5-p2-p2-10; must follow a convolution; layer 3",
            "784-p2-10; must follow a convolution; ('p2')",
            "1x28x28-c16k5-p2; the last layer 'p2' must be the number of outputs; ...-p2-10",
            "1x28x28-c16k5-p1-10; p1 pools nothing; e.g. p2",
            "1x28x28-c16k5-p0-10; p0 pools nothing; e.g. p2"})
    void misplacedOrNonDividingPoolingIsRefusedWithItsReason(String text, String reason, String more) {
        String message = assertThrows(IllegalArgumentException.class, () -> NetSpec.parse(text)).getMessage();
        assertTrue(message.startsWith("net " + text + ": "), message);
        assertTrue(message.contains(reason), message);
        assertTrue(message.contains(more), message);
    }

    @Test
    void theRecordRefusesPoolingThatNoConvolutionPrecedes() {
        int[] widths = {16, 8, 3};
        assertThrows(IllegalArgumentException.class, () -> new NetSpec(widths, java.util.List.of(), new int[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> new NetSpec(widths, java.util.List.of(), new int[] {1}));
    }

    @Test
    void enginesWithoutPoolingRefuseItInOneLine() {
        NetSpec net = NetSpec.parse("1x8x8-c2k3-p2-5-3");
        EngineCapabilities convOnly = new EngineCapabilities("opencl", EnumSet.of(OptimizerConfig.Kind.SGD),
                EnumSet.noneOf(OutputLoss.Kind.class), EnumSet.of(Solver.JACOBI), true);
        assertEquals("average pooling (p<K>)", convOnly.missingLayers(net));
        assertNull(convOnly.missingLayers(NetSpec.parse("1x8x8-c2k3-5-3")));
        EngineException e = assertThrows(EngineException.class, () -> convOnly.requireLayers(net));
        assertEquals("the opencl engine does not support average pooling (p<K>); use --device cpu", e.getMessage());
        assertNull(EngineCapabilities.all("cpu").missingLayers(net));
    }
}
