package liftnet.score;

import java.util.Arrays;

/**
 * How well a score separates out-of-distribution (OOD) samples from in-distribution ones, for a score that is
 * higher on OOD samples (negate a score that is lower there). Positives are the OOD samples.
 * <ul>
 * <li>{@link #auroc}: {@code P(s_ood > s_in) + 1/2 P(s_ood = s_in)} over all pairs (the Mann-Whitney statistic, ties
 *     counted half), computed from mid-ranks in {@code O(n log n)}. 0.5: no separation; 1: perfect.</li>
 * <li>{@link #fpr95}: the usual OOD convention: the threshold {@code t} accepts as in-distribution every sample with
 *     {@code s <= t}, and is the smallest that accepts at least 95% of the in-distribution samples; the result is the
 *     share of OOD samples it accepts too. Samples tied with {@code t} are accepted. 0: perfect; 1: none rejected.</li>
 * </ul>
 * Arrays are not modified. NaN scores are rejected.
 */
public final class OodMetrics {

    /** The share of in-distribution samples that {@link #fpr95} keeps. */
    public static final double TPR = 0.95;

    private OodMetrics() {
    }

    /** AUROC of {@code ood} (positives) against {@code in}; ties count half. */
    public static double auroc(double[] in, double[] ood) {
        check(in, ood);
        int n = in.length + ood.length;
        double[] all = new double[n];
        boolean[] isOod = new boolean[n];
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            all[i] = i < in.length ? in[i] : ood[i - in.length];
            isOod[i] = i >= in.length;
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Double.compare(all[a], all[b]));
        double rankSum = 0; // of the OOD samples, 1-based mid-ranks
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && all[idx[j + 1]] == all[idx[i]]) {
                j++;
            }
            double midRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (isOod[idx[k]]) {
                    rankSum += midRank;
                }
            }
            i = j + 1;
        }
        double m = ood.length;
        return (rankSum - m * (m + 1) / 2) / (m * in.length);
    }

    /** Share of OOD samples accepted at the threshold that accepts {@link #TPR} of the in-distribution ones. */
    public static double fpr95(double[] in, double[] ood) {
        check(in, ood);
        double[] sorted = in.clone();
        Arrays.sort(sorted);
        int keep = (int) Math.ceil(TPR * sorted.length - 1e-9);
        double t = sorted[Math.max(0, keep - 1)];
        long accepted = 0;
        for (double s : ood) {
            if (s <= t) {
                accepted++;
            }
        }
        return accepted / (double) ood.length;
    }

    /**
     * The ROC curve: for each distinct threshold {@code t}, flagging {@code s > t} as OOD, the points
     * {@code (share of in-distribution flagged, share of OOD flagged)}, from {@code (1, 1)} down to {@code (0, 0)}
     * (reversed: ascending false-positive rate).
     *
     * @return {@code {fpr[], tpr[]}}, both ascending, starting at {@code (0, 0)} and ending at {@code (1, 1)}
     */
    public static double[][] rocCurve(double[] in, double[] ood) {
        check(in, ood);
        double[] si = in.clone();
        double[] so = ood.clone();
        Arrays.sort(si);
        Arrays.sort(so);
        double[] thresholds = new double[si.length + so.length];
        System.arraycopy(si, 0, thresholds, 0, si.length);
        System.arraycopy(so, 0, thresholds, si.length, so.length);
        Arrays.sort(thresholds);
        double[] fpr = new double[thresholds.length + 1];
        double[] tpr = new double[thresholds.length + 1];
        int points = 0;
        fpr[points] = 0;
        tpr[points++] = 0;
        int a = si.length;
        int b = so.length;
        for (int i = thresholds.length - 1; i >= 0; i--) {
            if (i + 1 < thresholds.length && thresholds[i] == thresholds[i + 1]) {
                continue;
            }
            // flag s >= thresholds[i]
            while (a > 0 && si[a - 1] >= thresholds[i]) {
                a--;
            }
            while (b > 0 && so[b - 1] >= thresholds[i]) {
                b--;
            }
            fpr[points] = (si.length - a) / (double) si.length;
            tpr[points++] = (so.length - b) / (double) so.length;
        }
        return new double[][] {Arrays.copyOf(fpr, points), Arrays.copyOf(tpr, points)};
    }

    /** The arithmetic mean. */
    public static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static void check(double[] in, double[] ood) {
        if (in.length == 0 || ood.length == 0) {
            throw new IllegalArgumentException("both sets need at least one score; found " + in.length + " in-distribution and "
                    + ood.length + " out-of-distribution");
        }
        for (double[] v : new double[][] {in, ood}) {
            for (double x : v) {
                if (Double.isNaN(x)) {
                    throw new IllegalArgumentException("a score is NaN; scores must be numbers (infinities are allowed)");
                }
            }
        }
    }
}
