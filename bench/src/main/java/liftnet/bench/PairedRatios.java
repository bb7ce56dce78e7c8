package liftnet.bench;

import java.util.Arrays;

/**
 * The median of paired ratios and its distribution-free confidence interval from the sign test: with {@code n}
 * ratios sorted, {@code [r_(k), r_(n+1-k)]} covers the true median with probability
 * {@code 1 - 2 P(Binomial(n, 1/2) < k)}; {@code k} is the largest with that probability at least 95%. For
 * {@code n = 10}: {@code k = 2}, coverage 97.9%; {@code n = 20}: {@code k = 6}, 95.9%. No resampling, so
 * no seed, and no assumption on the ratios' distribution beyond independence of the pairs.
 *
 * @param median   median of the ratios
 * @param low      lower end of the interval
 * @param high     upper end of the interval
 * @param coverage the interval's exact coverage; below 0.95 when {@code n < 6} (then the interval is min..max)
 */
record PairedRatios(double median, double low, double high, double coverage) {

    /** Coverage asked of the interval. */
    static final double LEVEL = 0.95;

    /** Of {@code ratios} (not modified); at least one. */
    static PairedRatios of(double[] ratios) {
        double[] r = ratios.clone();
        Arrays.sort(r);
        int n = r.length;
        if (n == 0) {
            throw new IllegalArgumentException("no ratios");
        }
        int k = 1;
        while (k + 1 <= (n + 1) / 2 && 1 - 2 * binomialBelow(n, k + 1) >= LEVEL) {
            k++;
        }
        return new PairedRatios(median(r), r[k - 1], r[n - k], 1 - 2 * binomialBelow(n, k));
    }

    /** Median of sorted values. */
    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** {@code P(Binomial(n, 1/2) < k)}. */
    static double binomialBelow(int n, int k) {
        double p = 0;
        double term = Math.pow(0.5, n); // C(n, 0) / 2^n
        for (int i = 0; i < k; i++) {
            p += term;
            term = term * (n - i) / (i + 1);
        }
        return p;
    }
}
