package liftnet.api;

/**
 * Counts an engine accumulated since the last {@link Engine#drainStats()}: metrics of the batches passed to
 * {@link Engine#accumulateMetrics} and solver statistics of every inference run.
 *
 * @param samples        samples counted by {@code accumulateMetrics}
 * @param correct        of those, predicted correctly (argmax of the output layer)
 * @param linearUnits    per hidden layer, units strictly inside {@code C}, summed over samples
 * @param freeEnergy     sum over counted samples of the free-phase energy (0 where none was inferred)
 * @param clampedEnergy  sum over counted samples of the clamped-phase energy (0 where none was inferred)
 * @param inferences     number of sample inferences run (samples times phases)
 * @param sweeps         sweeps summed over those inferences
 * @param maxResidual    largest final KKT residual of those inferences (NaN where not measured)
 * @param updates        calls of {@link Engine#applyUpdate} since the last drain
 * @param firstNonFiniteUpdate index (0-based, among those updates) of the first whose gradient held a NaN
 *                       or infinity and was therefore not applied; -1 if none
 */
public record EpochStats(long samples, long correct, long[] linearUnits, double freeEnergy, double clampedEnergy,
                         long inferences, long sweeps, double maxResidual, long updates, long firstNonFiniteUpdate) {

    public EpochStats {
        linearUnits = linearUnits.clone();
    }

    @Override
    public long[] linearUnits() {
        return linearUnits.clone();
    }

    public double accuracy() {
        return samples == 0 ? Double.NaN : (double) correct / samples;
    }

    /** Share of units strictly inside {@code C} per hidden layer, given the layer widths. */
    public double[] linearFraction(NetSpec net) {
        double[] f = new double[linearUnits.length];
        for (int k = 0; k < f.length; k++) {
            f[k] = samples == 0 ? Double.NaN : (double) linearUnits[k] / ((double) samples * net.width(k + 1));
        }
        return f;
    }

    /** Whether some update was skipped because its gradient was not finite (a diverging run). */
    public boolean diverged() {
        return firstNonFiniteUpdate >= 0;
    }

    public double meanSweeps() {
        return inferences == 0 ? 0 : (double) sweeps / inferences;
    }

    public double meanFreeEnergy() {
        return samples == 0 ? Double.NaN : freeEnergy / samples;
    }

    public double meanClampedEnergy() {
        return samples == 0 ? Double.NaN : clampedEnergy / samples;
    }
}
