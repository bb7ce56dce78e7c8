package liftnet.report;

import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.OutputLoss;
import liftnet.api.Parameters;
import liftnet.api.Units;
import liftnet.data.Dataset;
import liftnet.train.ExactPhases;
import liftnet.train.ImplicitGradient;

/**
 * The paper's Section 4 as numbers: the cosine, per weight layer, between the contrastive gradient divided
 * by {@code gamma^(L-1)} and the back-propagation gradient of the same parameters, over a set of samples,
 * computed in double precision ({@link ExactPhases}, {@link ImplicitGradient#addBackprop}); and {@link #agreement} of
 * any two gradients, the figures of {@code ./run.sh gradients}. Gradients are compared as the gradients of the
 * parameters: a convolution's kernels and one bias per filter.
 */
public final class GradientAgreement {

    private GradientAgreement() {
    }

    /**
     * @return {@code cos[g][k]} for {@code gammas[g]} and weight layer {@code k} (weights and bias together)
     */
    public static double[][] cosines(Parameters p, Units units, Dataset samples, double[] gammas) {
        NetSpec net = p.net();
        NetConfig bpConfig = new NetConfig(net, units, 0.5);
        ExactPhases forward = new ExactPhases(bpConfig, p);
        ImplicitGradient backprop = new ImplicitGradient(bpConfig, p, OutputLoss.Kind.SQUARED);
        double[][] bw = ExactPhases.zeroWeights(net);
        double[][] bb = ExactPhases.zeroBiases(net);
        for (int s = 0; s < samples.count(); s++) {
            backprop.addBackprop(forward.forward(samples.inputs(), s * samples.width()), samples.labels()[s], 1, bw, bb);
        }
        double[][] cos = new double[gammas.length][net.layers()];
        for (int g = 0; g < gammas.length; g++) {
            ExactPhases ref = new ExactPhases(new NetConfig(net, units, gammas[g]), p);
            double[][] cw = ExactPhases.zeroWeights(net);
            double[][] cb = ExactPhases.zeroBiases(net);
            for (int s = 0; s < samples.count(); s++) {
                int offset = s * samples.width();
                int y = samples.labels()[s];
                ref.addEnergyGradient(ref.solve(samples.inputs(), offset, y, ExactPhases.HARD_CLAMP), 1, cw, cb);
                ref.addEnergyGradient(ref.solve(samples.inputs(), offset, y, 0), -1, cw, cb);
            }
            for (int k = 0; k < net.layers(); k++) {
                cos[g][k] = cosine(new double[][] {cw[k], cb[k]}, new double[][] {bw[k], bb[k]});
            }
        }
        return cos;
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
