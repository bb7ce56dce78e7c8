package liftnet;

import java.util.SplittableRandom;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.data.Dataset;

/** Seeded random nets and data for tests, and the tolerances they share. */
public final class TestNets {

    /** Relative agreement expected of float computations that should be equal up to rounding. */
    public static final double TOL_F32 = 1e-5;
    /** Relative agreement of two float solvers run to convergence (the float equivalent of 1e-6 in double). */
    public static final double TOL_SOLVERS_F32 = 1e-5;
    /** KKT residual reached by a converged float solver on a small net. */
    public static final double TOL_KKT_F32 = 1e-5;

    private TestNets() {
    }

    /** Parameters of {@code net} with weights {@code N(0, scale^2 / n_k)} and biases {@code N(0, biasStd^2)}. */
    public static Parameters random(NetSpec net, long seed, double scale, double biasStd) {
        Parameters p = Parameters.initial(net, seed);
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int k = 0; k < net.layers(); k++) {
            float[] w = p.weight(k);
            for (int i = 0; i < w.length; i++) {
                w[i] *= (float) scale;
            }
            float[] b = p.bias(k);
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (r.nextGaussian() * biasStd);
            }
        }
        return p;
    }

    /** {@code count} samples with inputs uniform in [0, 1] (a third of them zero, like dark pixels). */
    public static Dataset randomData(NetSpec net, int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[count * net.inputs()];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextInt(3) == 0 ? 0f : (float) r.nextDouble();
        }
        int[] y = new int[count];
        for (int i = 0; i < count; i++) {
            y[i] = r.nextInt(net.outputs());
        }
        return new Dataset("random", count, net.inputs(), net.outputs(), x, y);
    }

    public static NetConfig config(String net, liftnet.api.Units units, double gamma) {
        return new NetConfig(NetSpec.parse(net), units, gamma);
    }

    /** {@code 0, 1, ..., n-1}. */
    public static int[] identity(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }

    /** Cosine of the angle between two vectors. */
    public static double cosine(double[] a, double[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }

    public static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /**
     * A float estimate against a double reference, as vectors: {@code ||actual - expected|| <= relative ||expected||
     * + absolute}, and the same length.
     */
    public static void assertRelativelyClose(double[] expected, float[] actual, double relative, double absolute,
                                             String what) {
        org.junit.jupiter.api.Assertions.assertEquals(expected.length, actual.length, what + ": length");
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            diff += (expected[i] - actual[i]) * (expected[i] - actual[i]);
            norm += expected[i] * expected[i];
        }
        org.junit.jupiter.api.Assertions.assertTrue(Math.sqrt(diff) <= relative * Math.sqrt(norm) + absolute,
                what + ": relative error " + Math.sqrt(diff / norm) + " exceeds " + relative);
    }
}
