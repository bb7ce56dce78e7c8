package liftnet.train;

/**
 * Metrics of one finished epoch.
 *
 * @param epoch          1-based
 * @param trainAccuracy  in [0, 1], on the training samples after the epoch
 * @param testAccuracy   in [0, 1]
 * @param linearFraction per hidden layer, share of test-set units strictly inside C
 * @param seconds        training time of the epoch, evaluation excluded
 * @param samplesPerSecond training samples per second
 * @param meanSweeps     mean sweeps per sample inference during training (0 for non-lifted methods)
 * @param freeEnergy     mean free energy on the test set (NaN for non-lifted methods)
 * @param clampedEnergy  mean clamped energy on the test set (NaN for non-lifted methods)
 * @param nudgeBound     symmetric nudging: the smallest convexity bound of the negative phase over the epoch's steps
 *                       ({@link NudgeBound}); NaN otherwise
 */
public record EpochResult(int epoch, double trainAccuracy, double testAccuracy, double[] linearFraction,
                          double seconds, double samplesPerSecond, double meanSweeps, double freeEnergy,
                          double clampedEnergy, double nudgeBound) {

    public EpochResult {
        linearFraction = linearFraction.clone();
    }

    /** An epoch without symmetric nudging. */
    public EpochResult(int epoch, double trainAccuracy, double testAccuracy, double[] linearFraction, double seconds,
                       double samplesPerSecond, double meanSweeps, double freeEnergy, double clampedEnergy) {
        this(epoch, trainAccuracy, testAccuracy, linearFraction, seconds, samplesPerSecond, meanSweeps, freeEnergy,
                clampedEnergy, Double.NaN);
    }

    @Override
    public double[] linearFraction() {
        return linearFraction.clone();
    }
}
