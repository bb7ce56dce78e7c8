package liftnet.sweep;

/**
 * Summary of one quantity over runs (e.g. test accuracy over seeds).
 *
 * @param n    the number of values
 * @param mean their mean
 * @param std  the sample standard deviation {@code sqrt(sum (x - mean)^2 / (n - 1))}; 0 for a single value
 * @param min  the smallest value
 * @param max  the largest value
 */
public record Stats(int n, double mean, double std, double min, double max) {

    /** The statistics of {@code values} (not modified); {@code n = 0} and NaN fields when it is empty. */
    public static Stats of(double[] values) {
        int n = values.length;
        if (n == 0) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double mean = sum / n;
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        return new Stats(n, mean, n > 1 ? Math.sqrt(squares / (n - 1)) : 0, min, max);
    }
}
