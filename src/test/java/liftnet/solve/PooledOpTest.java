package liftnet.solve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import liftnet.TestNets;
import liftnet.api.ConvLayer;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A weight layer after average pooling ({@link PooledOp}) against the operator {@code W P} written out as an explicit
 * matrix: every product the solvers use, the column norms and the weight gradient. {@code P} is built here by hand from
 * its definition (each unit {@code (c, y, x)} feeds window {@code (c, y / K, x / K)} with weight {@code 1 / K^2}), not
 * from {@link liftnet.api.Pooling}.
 */
class PooledOpTest {

    /** Float sums of a few hundred terms of size ~1 against double. */
    private static final double TOL = 1e-5;

    /**
     * @param text  a net whose weight layer {@code layer} pools its input
     * @param layer that weight layer
     */
    @ParameterizedTest
    @CsvSource({"1x6x6-c3k3-p2-c4k3-5-4, 1", "2x4x4-c3k3-c2k3s1-p2-5-3, 2", "1x8x6-c2k3-p2-c3k3s2-4-3, 1",
            "1x6x6-c2k3-p3-5-3, 1"})
    void everyProductIsThatOfTheExplicitMatrix(String text, int layer) {
        NetSpec net = NetSpec.parse(text);
        Parameters p = TestNets.random(net, 7, 1.0, 0.5);
        LayerOp op = LayerOp.of(net, layer);
        op.set(p.weight(layer), p.bias(layer));
        assertTrue(op instanceof PooledOp, "layer " + layer + " of " + text + " pools");
        double[][] m = explicit(net, layer, p.weight(layer));
        double[] bias = denseBias(net, layer, p.bias(layer));
        int n = net.width(layer);
        int out = net.width(layer + 1);
        assertEquals(n, op.inputs());
        assertEquals(out, op.outputs());
        SplittableRandom rnd = new SplittableRandom(3);
        float[] x = new float[n + 2];
        for (int j = 0; j < x.length; j++) {
            x[j] = (float) rnd.nextGaussian();
        }
        float[] r = new float[VectorKernels.pad(out) + 1];
        for (int i = 0; i <= out; i++) {
            r[i] = (float) rnd.nextGaussian();
        }
        float[] work = new float[op.workSize()];

        float[] y = new float[VectorKernels.pad(out) + 3];
        op.apply(x, 2, 0, 1, y, 3, 0, true, work);
        for (int i = 0; i < out; i++) {
            double e = bias[i];
            for (int j = 0; j < n; j++) {
                e += m[i][j] * x[2 + j];
            }
            assertEquals(e, y[3 + i], TOL * (1 + Math.abs(e)), "(W P x + b)[" + i + "]");
        }
        float[] q = new float[VectorKernels.pad(n)];
        op.applyTransposed(r, 1, 0, 1, q, 0, 0, work);
        float[] c = op.columnNorms();
        for (int j = 0; j < n; j++) {
            double e = 0;
            double norm = 0;
            for (int i = 0; i < out; i++) {
                e += m[i][j] * r[1 + i];
                norm += m[i][j] * m[i][j];
            }
            assertEquals(e, q[j], TOL * (1 + Math.abs(e)), "(P^T W^T r)[" + j + "]");
            assertEquals(e, op.columnDot(j, r, 1), TOL * (1 + Math.abs(e)), "column " + j + " . r");
            assertEquals(norm, c[j], TOL * (1 + norm), "c_" + j);
        }
        float[] s = r.clone();
        op.columnAxpy(5, 0.75f, s, 1);
        for (int i = 0; i < out; i++) {
            assertEquals(r[1 + i] + 0.75 * m[i][5], s[1 + i], TOL, "r + 0.75 column 5, row " + i);
        }

        // dE/d(W P) = lambda x^T; the parameters' gradient is its pull-back through the structure of W P
        float[] gw = new float[p.weight(layer).length];
        float[] gb = new float[p.bias(layer).length];
        float[] lambda = java.util.Arrays.copyOfRange(r, 1, r.length);
        float[] z = java.util.Arrays.copyOfRange(x, 2, x.length);
        GradientTerms terms = new GradientTerms(z, lambda, null, null, -0.5f, 1, n, VectorKernels.pad(out), null);
        assertTrue(op.accumulateGradient(0, op.gradientRows(), terms, work) && op.accumulateBias(terms));
        op.gradient(gw, gb);
        for (int i = 0; i < gw.length; i++) {
            // <gradient, e_i> is the change of 0.5 <r, W P x + b> with weight i
            float[] wi = new float[gw.length];
            wi[i] = 1f;
            double[][] mi = explicit(net, layer, wi);
            double e = 0;
            for (int o = 0; o < out; o++) {
                for (int j = 0; j < n; j++) {
                    e += 0.5 * r[1 + o] * mi[o][j] * x[2 + j];
                }
            }
            assertEquals(e, gw[i], TOL * (1 + Math.abs(e)), "weight gradient " + i);
        }
        for (int i = 0; i < gb.length; i++) {
            float[] bi = new float[gb.length];
            bi[i] = 1f;
            double[] b = denseBias(net, layer, bi);
            double e = 0;
            for (int o = 0; o < out; o++) {
                e += 0.5 * r[1 + o] * b[o];
            }
            assertEquals(e, gb[i], TOL * (1 + Math.abs(e)), "bias gradient " + i);
        }
    }

    /**
     * {@code W P} as a dense {@code [n_{k+1} x n_k]} matrix: {@code W} dense ({@code [n_{k+1} x pooled]}) or a
     * convolution on the pooled image ({@link ConvLayer#toDense}), times {@code P} built from its definition.
     */
    static double[][] explicit(NetSpec net, int k, float[] weights) {
        int size = net.pools()[k];
        ConvLayer before = net.conv(k - 1);
        int channels = before.filters();
        int h = before.outHeight();
        int w = before.outWidth();
        int ph = h / size;
        int pw = w / size;
        int pooled = channels * ph * pw;
        double[][] own;
        ConvLayer conv = net.conv(k);
        if (conv != null) {
            own = conv.toDense(weights);
        } else {
            own = new double[net.width(k + 1)][pooled];
            for (int i = 0; i < own.length; i++) {
                for (int o = 0; o < pooled; o++) {
                    own[i][o] = weights[i * pooled + o];
                }
            }
        }
        double[][] m = new double[own.length][channels * h * w];
        for (int i = 0; i < own.length; i++) {
            for (int ch = 0; ch < channels; ch++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int o = (ch * ph + y / size) * pw + x / size;
                        m[i][(ch * h + y) * w + x] = own[i][o] / (size * size);
                    }
                }
            }
        }
        return m;
    }

    /** The layer's bias per output unit: a convolution's repeated over its positions. */
    static double[] denseBias(NetSpec net, int k, float[] b) {
        double[] out = new double[net.width(k + 1)];
        int per = out.length / b.length;
        for (int i = 0; i < out.length; i++) {
            out[i] = b[i / per];
        }
        return out;
    }
}
