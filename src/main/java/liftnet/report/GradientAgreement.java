package liftnet.report;

import liftnet.api.NetConfig;
import liftnet.api.Parameters;
import liftnet.api.Units;
import liftnet.data.Dataset;
import liftnet.solve.DoubleReference;

/**
 * The paper's Section 4 as numbers: the cosine, per weight layer, between the contrastive gradient divided
 * by {@code gamma^(L-1)} and the back-propagation gradient of the same parameters, over a set of samples,
 * computed in double precision ({@link DoubleReference}).
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
                cos[g][k] = cosine(cw[k], cb[k], bw[k], bb[k]);
            }
        }
        return cos;
    }

    private static double cosine(double[][] aw, double[] ab, double[][] bw, double[] bb) {
        double ab2 = 0;
        double aa = 0;
        double bbn = 0;
        for (int i = 0; i < aw.length; i++) {
            for (int j = 0; j < aw[i].length; j++) {
                ab2 += aw[i][j] * bw[i][j];
                aa += aw[i][j] * aw[i][j];
                bbn += bw[i][j] * bw[i][j];
            }
            ab2 += ab[i] * bb[i];
            aa += ab[i] * ab[i];
            bbn += bb[i] * bb[i];
        }
        return ab2 / Math.sqrt(aa * bbn);
    }
}
