package liftnet.train;

/**
 * Metrics of a model on one data set.
 *
 * @param accuracy       in [0, 1]
 * @param linearFraction per hidden layer
 * @param freeEnergy     mean minimum free energy (NaN when activations came from a forward pass)
 * @param clampedEnergy  mean minimum clamped energy (NaN when not inferred)
 * @param samples        samples evaluated
 */
public record Evaluation(double accuracy, double[] linearFraction, double freeEnergy, double clampedEnergy, long samples) {

    public Evaluation {
        linearFraction = linearFraction.clone();
    }

    @Override
    public double[] linearFraction() {
        return linearFraction.clone();
    }
}
