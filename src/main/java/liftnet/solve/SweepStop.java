package liftnet.solve;

import liftnet.api.SolverConfig;
import liftnet.api.StopRule;

/**
 * When a row's sweeps stop ({@link StopRule}) in {@link ActivationSolver}: after {@code maxSweeps} sweeps at the latest; with {@link StopRule#ENERGY} when a sweep
 * lowered the energy by {@code dE <= tol * max(E, TINY_ENERGY)}, {@code E} the energy after it; with
 * {@link StopRule#KKT} when the KKT residual is {@code <= tol}. The solvers measure {@code dE} and the residual.
 */
final class SweepStop {

    /** A floor under the energy a decrease is measured against, so that the threshold stays positive at energy 0. */
    static final double TINY_ENERGY = 1e-30;

    private SweepStop() {
    }

    /**
     * Whether a row needs no sweep at all: {@code maxSweeps} is 0, or the stop rule is {@link StopRule#KKT} and
     * the row's residual {@code residual} (measured before any sweep; unused otherwise) is within the tolerance.
     */
    static boolean before(SolverConfig config, double residual) {
        return config.maxSweeps() == 0 || config.stop() == StopRule.KKT && residual <= config.tol();
    }

    /**
     * Whether a row stops after its {@code sweeps}-th sweep, which lowered its energy by {@code decrease} to
     * {@code energy} (read for {@link StopRule#ENERGY} only) and left the KKT residual {@code residual} (read for
     * {@link StopRule#KKT} only).
     */
    static boolean after(SolverConfig config, int sweeps, double decrease, double energy, double residual) {
        boolean done = sweeps >= config.maxSweeps();
        if (config.stop() == StopRule.ENERGY) {
            done |= decrease <= config.tol() * Math.max(energy, TINY_ENERGY);
        } else if (config.stop() == StopRule.KKT) {
            done |= residual <= config.tol();
        }
        return done;
    }
}
