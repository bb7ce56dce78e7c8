package liftnet.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import liftnet.TestNets;
import liftnet.api.ConvLayer;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Pooling;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link WeightMaps}' one loop over the taps against each layer's dense matrix, written from the definitions
 * ({@link ConvLayer#toDense}, {@link Pooling#compose}): {@code W x}, {@code W^T r} (one vector and several side by side)
 * and the weight gradient {@code lambda x^T} folded back into the parameters ({@link Pooling#foldDense},
 * {@link ConvLayer#foldDense}). The double-precision references ({@link ExactPhases}, {@link ImplicitGradient}) apply
 * the layers through these maps.
 */
class WeightMapsTest {

    /** Two double computations of the same sums in different orders. */
    private static final double TOL_F64 = 1e-12;

    @ParameterizedTest
    @ValueSource(strings = {"2x8x8-c3k3s2-c2k3-p2-5-4", "1x8x8-c2k3-p2-7-3"})
    void mapsAreTheLayersDenseMatrices(String spec) {
        NetSpec net = NetSpec.parse(spec);
        Parameters p = TestNets.random(net, 61, 1.0, 0.3);
        WeightMaps maps = new WeightMaps(p);
        SplittableRandom random = new SplittableRandom(62);
        for (int k = 0; k < net.layers(); k++) {
            double[][] m = dense(net, p, k);
            double[] x = random.doubles(net.width(k), -1, 1).toArray();
            double[][] r = {random.doubles(net.width(k + 1), -1, 1).toArray(), random.doubles(net.width(k + 1), -1, 1).toArray()};
            double[] y = new double[net.width(k + 1)];
            maps.apply(k, x, y);
            for (int i = 0; i < y.length; i++) {
                assertEquals(dot(m[i], x), y[i], TOL_F64, spec + " (W" + k + " x)[" + i + "]");
            }
            double[][] q = {new double[x.length], new double[x.length]};
            maps.applyTransposed(k, r, q);
            double[] single = new double[x.length];
            maps.applyTransposed(k, r[1], single);
            for (int j = 0; j < x.length; j++) {
                for (int v = 0; v < r.length; v++) {
                    double expected = 0;
                    for (int i = 0; i < r[v].length; i++) {
                        expected += m[i][j] * r[v][i];
                    }
                    assertEquals(expected, q[v][j], TOL_F64, spec + " (W" + k + "^T r" + v + ")[" + j + "]");
                }
                assertEquals(q[1][j], single[j], TOL_F64, spec + " W" + k + "^T of one vector [" + j + "]");
            }
            double[] gw = new double[net.weightCount(k)];
            double[] gb = new double[net.biasCount(k)];
            maps.accumulateGradient(k, r[0], x, 0.5, gw, gb);
            double[] expected = folded(net, k, r[0], x, 0.5);
            for (int w = 0; w < gw.length; w++) {
                assertEquals(expected[w], gw[w], TOL_F64, spec + " gradient of W" + k + "[" + w + "]");
            }
        }
    }

    /** Layer {@code k}'s map as a dense matrix: the convolution's or the weights', times the pooling of its input. */
    private static double[][] dense(NetSpec net, Parameters p, int k) {
        ConvLayer conv = net.conv(k);
        double[][] own = conv != null ? conv.toDense(p.weight(k)) : new double[net.width(k + 1)][net.pooledWidth(k)];
        for (int i = 0; conv == null && i < own.length; i++) {
            for (int j = 0; j < own[i].length; j++) {
                own[i][j] = p.weight(k, i, j);
            }
        }
        return net.pooling(k) == null ? own : net.pooling(k).compose(own);
    }

    /** {@code scale lambda x^T}, the gradient of the dense matrix, folded into the layer's parameters. */
    private static double[] folded(NetSpec net, int k, double[] lambda, double[] x, double scale) {
        double[][] g = new double[lambda.length][x.length];
        for (int i = 0; i < lambda.length; i++) {
            for (int j = 0; j < x.length; j++) {
                g[i][j] = scale * lambda[i] * x[j];
            }
        }
        if (net.pooling(k) != null) {
            g = net.pooling(k).foldDense(g);
        }
        if (net.conv(k) != null) {
            return net.conv(k).foldDense(g);
        }
        double[] flat = new double[net.weightCount(k)];
        for (int i = 0; i < g.length; i++) {
            System.arraycopy(g[i], 0, flat, i * g[i].length, g[i].length);
        }
        return flat;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
