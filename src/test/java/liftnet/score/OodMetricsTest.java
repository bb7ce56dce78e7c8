package liftnet.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** AUROC and FPR95 against brute force over pairs and thresholds, known cases, and ties. */
class OodMetricsTest {

    private static final double TOL = 1e-12;

    /** {@code P(ood > in) + 1/2 P(ood = in)} by counting every pair. */
    private static double pairCount(double[] in, double[] ood) {
        double wins = 0;
        for (double o : ood) {
            for (double i : in) {
                wins += o > i ? 1 : o == i ? 0.5 : 0;
            }
        }
        return wins / ((double) in.length * ood.length);
    }

    /** The smallest share of OOD accepted over all thresholds {@code t} that accept at least 95% of in (s <= t). */
    private static double fprBrute(double[] in, double[] ood) {
        double best = 1;
        for (double[] set : new double[][] {in, ood}) {
            for (double t : set) {
                int keptIn = 0;
                for (double s : in) {
                    keptIn += s <= t ? 1 : 0;
                }
                if (keptIn < 0.95 * in.length - 1e-9) {
                    continue;
                }
                int keptOod = 0;
                for (double s : ood) {
                    keptOod += s <= t ? 1 : 0;
                }
                best = Math.min(best, keptOod / (double) ood.length);
            }
        }
        return best;
    }

    private static double[] random(SplittableRandom r, int n, double shift, int levels) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            double x = r.nextGaussian() + shift;
            v[i] = levels > 0 ? Math.round(x * levels) / (double) levels : x; // few levels: many ties
        }
        return v;
    }

    @Test
    void aurocAndFprMatchBruteForceWithAndWithoutTies() {
        SplittableRandom r = new SplittableRandom(1);
        for (int trial = 0; trial < 200; trial++) {
            int levels = trial % 3 == 0 ? 0 : trial % 3 == 1 ? 2 : 1;
            double[] in = random(r, 1 + r.nextInt(60), 0, levels);
            double[] ood = random(r, 1 + r.nextInt(60), r.nextDouble() * 2 - 0.5, levels);
            assertEquals(pairCount(in, ood), OodMetrics.auroc(in, ood), TOL, "trial " + trial);
            assertEquals(fprBrute(in, ood), OodMetrics.fpr95(in, ood), TOL, "trial " + trial);
        }
    }

    @Test
    void knownCases() {
        double[] low = {1, 2, 3, 4};
        double[] high = {5, 6, 7};
        assertEquals(1, OodMetrics.auroc(low, high), TOL);
        assertEquals(0, OodMetrics.fpr95(low, high), TOL);
        assertEquals(0, OodMetrics.auroc(high, low), TOL);
        assertEquals(1, OodMetrics.fpr95(high, low), TOL);
        double[] same = {2, 2, 2};
        assertEquals(0.5, OodMetrics.auroc(same, new double[] {2, 2}), TOL, "all tied");
        assertEquals(1, OodMetrics.fpr95(same, new double[] {2, 2}), TOL, "tied samples are accepted");
        assertEquals(0.5, OodMetrics.auroc(new double[] {1, 3}, new double[] {2}), TOL);
        // 20 in-distribution scores 1..20: the threshold keeps 19 of them (t = 19); OOD at 19.5 and 19 -> 1 of 2 kept
        double[] twenty = new double[20];
        for (int i = 0; i < 20; i++) {
            twenty[i] = i + 1;
        }
        assertEquals(0.5, OodMetrics.fpr95(twenty, new double[] {19.5, 19}), TOL);
    }

    @Test
    void rocCurveIsMonotoneAndItsAreaIsTheAuroc() {
        SplittableRandom r = new SplittableRandom(2);
        double[] in = random(r, 300, 0, 3);
        double[] ood = random(r, 200, 0.8, 3);
        double[][] roc = OodMetrics.rocCurve(in, ood);
        assertArrayEquals(new double[] {0, 0}, new double[] {roc[0][0], roc[1][0]});
        int last = roc[0].length - 1;
        assertArrayEquals(new double[] {1, 1}, new double[] {roc[0][last], roc[1][last]});
        double area = 0;
        for (int i = 1; i <= last; i++) {
            assertTrue(roc[0][i] >= roc[0][i - 1] && roc[1][i] >= roc[1][i - 1], "point " + i);
            area += (roc[0][i] - roc[0][i - 1]) * (roc[1][i] + roc[1][i - 1]) / 2; // trapezoids: ties count half
        }
        assertEquals(OodMetrics.auroc(in, ood), area, 1e-9);
    }

    @Test
    void emptyOrNaNScoresAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> OodMetrics.auroc(new double[0], new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> OodMetrics.fpr95(new double[] {1}, new double[] {Double.NaN}));
    }
}
