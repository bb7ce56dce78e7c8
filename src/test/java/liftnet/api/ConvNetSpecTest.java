package liftnet.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code --net} grammar for convolutions and the shapes it implies. */
class ConvNetSpecTest {

    @Test
    void parsesConvolutionsAndFlattensTheirSizes() {
        NetSpec net = NetSpec.parse("1x28x28-c16k5s2-c32k3s2-64-10");
        assertArrayEquals(new int[] {784, 16 * 14 * 14, 32 * 7 * 7, 64, 10}, net.widths());
        assertEquals(4, net.layers());
        assertEquals(new ConvLayer(1, 28, 28, 16, 5, 2), net.conv(0));
        assertEquals(new ConvLayer(16, 14, 14, 32, 3, 2), net.conv(1));
        assertNull(net.conv(2));
        assertArrayEquals(new int[] {16, 1, 5, 5}, net.weightShape(0));
        assertArrayEquals(new int[] {64, 1568}, net.weightShape(2));
        assertEquals(16, net.biasCount(0));
        assertEquals(144, net.fanIn(1));
        assertEquals("conv,conv,dense,dense", net.layerKinds());
        assertEquals(16 * 25 + 16 + 32 * 144 + 32 + 64 * 1568 + 64 + 64 * 10 + 10, net.parameterCount());
        assertEquals("1x28x28-c16k5s2-c32k3s2-64-10", net.toString());
        assertEquals(net, NetSpec.parse(net.toString()));
        assertEquals(NetSpec.parse("784-10"), net.inputToOutput());
    }

    @Test
    void strideOneIsTheDefaultAndOutputsRoundUp() {
        NetSpec net = NetSpec.parse("3x7x5-c4k3-c2k1s3-6");
        assertEquals(new ConvLayer(3, 7, 5, 4, 3, 1), net.conv(0));
        assertEquals(4 * 7 * 5, net.width(1));
        assertEquals(2 * 3 * 2, net.width(2), "ceil(7/3) x ceil(5/3)");
        assertEquals("3x7x5-c4k3-c2k1s3-6", net.toString());
    }

    @Test
    void anImageInputWithoutConvolutionsIsADenseNet() {
        assertEquals(NetSpec.parse("784-64-10"), NetSpec.parse("1x28x28-64-10"));
        assertEquals("784-64-10", NetSpec.parse("1x28x28-64-10").toString());
        assertTrue(!NetSpec.parse("784-64-10").hasConv());
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "1x28x28-c16k0-10; kernel size must be at least 1",
            "1x28x28-c0k3-10; at least 1 filter",
            "1x4x4-c2k3s5-10; larger than the 4x4 map",
            "1x28x28-c16k5s2-c8k3s15-10; larger than the 14x14 map",
            "784-c16k5-10; needs an image",
            "1x28x28-64-c8k3-10; needs an image",
            "1x28x28-c16k5; must be the number of outputs",
            "1x28-c16k5-10; not an image CxHxW",
            "0x28x28-c16k5-10; not an image CxHxW",
            "1x28x28-c16k5x-10; not a convolution",
            "1x28x28-c16-10; not a convolution",
            "1x28x28-c16k57-10; use at most k55",
            "3x32x32-c8k3s2-c4k33-10; can never read it"})
    void rejectsBadSpecsWithOneMessage(String text, String mentioned) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetSpec.parse(text));
        assertTrue(e.getMessage().contains(mentioned), "'" + text + "': " + e.getMessage());
        assertTrue(e.getMessage().startsWith("net " + text + ": "), "the message names the net: " + e.getMessage());
    }

    @Test
    void parametersHaveTheKernelShapeAndFanInScaledWeights() {
        NetSpec net = NetSpec.parse("2x6x6-c8k3s2-5-3");
        Parameters p = Parameters.initial(net, 3);
        assertEquals(8 * 2 * 3 * 3, p.weight(0).length);
        assertEquals(8, p.bias(0).length);
        assertEquals(5 * 72, p.weight(1).length);
        double sum = 0;
        for (float v : p.weight(0)) {
            sum += v * v;
        }
        double variance = sum / p.weight(0).length;
        assertEquals(1.0 / 18, variance, 0.5 / 18, "N(0, 1 / (C K K))");
        assertThrows(IllegalArgumentException.class,
                () -> Parameters.of(net, new float[][] {new float[10], new float[360]}, new float[][] {new float[8], new float[5]}));
    }

    /**
     * The dense form reads the right pixels: its product equals the convolution written out with explicit padding; an
     * even kernel reads {@code K / 2} pixels before the centre and {@code K / 2 - 1} after it (the documented window).
     */
    @ParameterizedTest
    @CsvSource({"3, 2", "4, 1", "4, 2", "2, 1", "7, 1"})
    void denseFormIsTheConvolution(int kernel, int stride) {
        ConvLayer c = new ConvLayer(2, 5, 4, 3, kernel, stride);
        int kk = kernel;
        SplittableRandom r = new SplittableRandom(7);
        float[] k = new float[c.weightCount()];
        for (int i = 0; i < k.length; i++) {
            k[i] = (float) r.nextGaussian();
        }
        double[] x = new double[c.inputs()];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextDouble();
        }
        double[][] m = c.toDense(k);
        int before = kk / 2;
        assertEquals(before, c.pad());
        for (int f = 0; f < 3; f++) {
            for (int oy = 0; oy < c.outHeight(); oy++) {
                for (int ox = 0; ox < c.outWidth(); ox++) {
                    double expected = 0;
                    for (int ch = 0; ch < 2; ch++) {
                        for (int y = oy * stride - before; y <= oy * stride + (kk - 1 - before); y++) {
                            for (int xx = ox * stride - before; xx <= ox * stride + (kk - 1 - before); xx++) {
                                int dy = y - (oy * stride - before);
                                int dx = xx - (ox * stride - before);
                                double v = y < 0 || y >= 5 || xx < 0 || xx >= 4 ? 0 : x[(ch * 5 + y) * 4 + xx];
                                expected += k[((f * 2 + ch) * kk + dy) * kk + dx] * v;
                            }
                        }
                    }
                    double actual = 0;
                    double[] row = m[(f * c.outHeight() + oy) * c.outWidth() + ox];
                    for (int j = 0; j < x.length; j++) {
                        actual += row[j] * x[j];
                    }
                    assertEquals(expected, actual, 1e-9, "output " + f + "," + oy + "," + ox);
                }
            }
        }
    }
}
