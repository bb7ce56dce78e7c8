package liftnet.train;

import java.util.Locale;

/**
 * Symmetric nudging stopped because its negative phase, {@code min_z E - beta l}, is no longer convex at the current
 * weights ({@link NudgeBound}): a divergence, detected before it happens; the last checkpoint is intact.
 */
public class NudgeBoundException extends DivergenceException {

    private static final long serialVersionUID = 1L;

    private final double beta;
    private final double bound;
    private final double g;

    /**
     * @param batch 0-based batch index in the epoch
     * @param bound the largest {@code beta} for which the phase is convex at the weights of that batch
     * @param g     {@code gamma^(L-1)}
     */
    public NudgeBoundException(int epoch, long batch, double beta, double bound, double g) {
        this(epoch, batch, false, beta, bound, g);
    }

    /**
     * @param after whether the weights are those batch {@code batch} ended with (the epoch's last, for engines checked at
     *              the epoch's end), else those it started from
     */
    public NudgeBoundException(int epoch, long batch, boolean after, double beta, double bound, double g) {
        super(String.format(Locale.ROOT, "--nudge symmetric: the negative phase min E - beta l is not convex at the"
                + " weights %s epoch %d, batch %d: beta = %.4g = %.4g g exceeds the bound %.4g = %.4g g (g = gamma^(L-1) = %.4g)",
                after ? "after" : "of", epoch, batch + 1, beta, beta / g, bound, bound / g, g), epoch, batch);
        this.beta = beta;
        this.bound = bound;
        this.g = g;
    }

    public double beta() {
        return beta;
    }

    /** The bound at the weights where training stopped. */
    public double bound() {
        return bound;
    }

    public double g() {
        return g;
    }
}
