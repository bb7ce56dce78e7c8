package liftnet.solve;

/**
 * Outcome of solving one sample's phase.
 *
 * @param sweeps   sweeps run
 * @param residual final KKT residual, or NaN when the stopping rule did not need it
 * @param energy   final energy
 */
public record RowResult(int sweeps, double residual, double energy) {
}
