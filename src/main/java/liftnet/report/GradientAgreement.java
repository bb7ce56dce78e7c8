package liftnet.report;

import java.util.Arrays;
import liftnet.api.ConvLayer;
import liftnet.api.NetConfig;
import liftnet.api.Parameters;
import liftnet.api.Pooling;
import liftnet.api.Units;
import liftnet.data.Dataset;
import liftnet.solve.DoubleReference;

/**
 * The paper's Section 4 as numbers: the cosine, per weight layer, between the contrastive gradient divided
 * by {@code gamma^(L-1)} and the back-propagation gradient of the same parameters, over a set of samples,
 * computed in double precision ({@link DoubleReference}); and {@link #agreement} of any two gradients, the figures of
 * {@code ./run.sh gradients}. A convolution's gradients are compared as the gradients of
 * its parameters, the kernels and one bias per filter ({@link ConvLayer#foldDense}), not of its dense matrix.
 */
public final class GradientAgreement {

    /** Gauss-Seidel stops when no activation moves by more than this. */
    private static final double SOLVE_TOL = 1e-13;
    private static final int MAX_SWEEPS = 2000;

    private GradientAgreement() {
    }

    /**
     * @return {@code cos[g][k]} for {@code gammas[g]} and weight layer {@code k} (weights and bias together)
     */
    public static double[][] cosines(Parameters p, Units units, Dataset samples, double[] gammas) {
        int layers = p.net().layers();
        NetConfig bpConfig = new NetConfig(p.net(), units, 0.5);
        DoubleReference bpRef = new DoubleReference(bpConfig, p);
        double[][][] bw = bpRef.zeroWeights();
        double[][] bb = bpRef.zeroBiases();
        for (int s = 0; s < samples.count(); s++) {
            bpRef.addBackpropGradient(samples.inputs(), s * samples.width(), samples.labels()[s], bw, bb);
        }
        double[][] cos = new double[gammas.length][layers];
        for (int g = 0; g < gammas.length; g++) {
            NetConfig config = new NetConfig(p.net(), units, gammas[g]);
            DoubleReference ref = new DoubleReference(config, p);
            double[][][] cw = ref.zeroWeights();
            double[][] cb = ref.zeroBiases();
            for (int s = 0; s < samples.count(); s++) {
                int offset = s * samples.width();
                double[][] clamped = ref.solve(samples.inputs(), offset, samples.labels()[s], MAX_SWEEPS, SOLVE_TOL);
                double[][] free = ref.solve(samples.inputs(), offset, -1, MAX_SWEEPS, SOLVE_TOL);
                ref.addEnergyGradient(clamped, 1, cw, cb);
                ref.addEnergyGradient(free, -1, cw, cb);
            }
            for (int k = 0; k < layers; k++) {
                ConvLayer conv = p.net().conv(k);
                Pooling pool = p.net().pooling(k);
                cos[g][k] = cosine(parameters(conv, pool, cw[k], cb[k]), parameters(conv, pool, bw[k], bb[k]));
            }
        }
        return cos;
    }

    /**
     * Layer {@code k}'s parameter vector as pieces, weights then biases: the dense gradient's rows, or for a convolution
     * its kernels and filter biases ({@link ConvLayer#foldDense}); a layer that pools its input first folds the gradient
     * of {@code W P} into that of {@code W} ({@link Pooling#foldDense}).
     */
    private static double[][] parameters(ConvLayer conv, Pooling pool, double[][] w, double[] b) {
        if (pool != null) {
            w = pool.foldDense(w);
        }
        if (conv != null) {
            return new double[][] {conv.foldDense(w), conv.foldBias(b)};
        }
        double[][] pieces = Arrays.copyOf(w, w.length + 1);
        pieces[w.length] = b;
        return pieces;
    }

    /**
     * How an estimate {@code a} agrees with a reference {@code b} of the same parameters (e.g. one weight layer's weights
     * and bias, as pieces): {@code {cos(a, b), ||a|| / (scale ||b||)}}, where {@code scale} is what the estimate is
     * expected to be a multiple of (a soft clamp's {@code beta}, the hard clamp's {@code gamma^(L-1)}).
     */
    public static double[] agreement(double[][] a, double[][] b, double scale) {
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                aa += a[i][j] * a[i][j];
                bb += b[i][j] * b[i][j];
            }
        }
        return new double[] {cosine(a, b), Math.sqrt(aa / bb) / scale};
    }

    /** The cosine of two vectors, each given as the same sequence of pieces. */
    private static double cosine(double[][] a, double[][] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                ab += a[i][j] * b[i][j];
                aa += a[i][j] * a[i][j];
                bb += b[i][j] * b[i][j];
            }
        }
        return ab / Math.sqrt(aa * bb);
    }
}
