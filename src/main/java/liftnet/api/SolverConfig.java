package liftnet.api;

/**
 * How activations are inferred.
 *
 * @param solver    Gauss-Seidel or red-black Jacobi
 * @param maxSweeps sweeps to run ({@link StopRule#FIXED}) or at most (tolerance rules); at least 0
 * @param stop      stopping rule
 * @param tol       tolerance of the stopping rule; ignored by {@link StopRule#FIXED}
 */
public record SolverConfig(Solver solver, int maxSweeps, StopRule stop, double tol) {

    /** The paper's number of sweeps. */
    public static final int PAPER_SWEEPS = 15;

    public SolverConfig {
        if (solver == null || stop == null) {
            throw new IllegalArgumentException("solver and stop rule are required");
        }
        if (maxSweeps < 0) {
            throw new IllegalArgumentException("sweeps must be >= 0; found " + maxSweeps);
        }
        if (stop != StopRule.FIXED && !(tol > 0 && Double.isFinite(tol))) {
            throw new IllegalArgumentException("tolerance must be a positive number; found " + tol);
        }
    }

    /** {@code sweeps} fixed sweeps of {@code solver}. */
    public static SolverConfig fixed(Solver solver, int sweeps) {
        return new SolverConfig(solver, sweeps, StopRule.FIXED, 0);
    }

    /** Stop on relative energy change below {@code tol}, after at most {@code maxSweeps}. */
    public static SolverConfig tolerance(Solver solver, double tol, int maxSweeps) {
        return new SolverConfig(solver, maxSweeps, StopRule.ENERGY, tol);
    }

    /** The paper's setting with the GPU-friendly solver: 15 red-black Jacobi sweeps. */
    public static SolverConfig paperDefault() {
        return fixed(Solver.JACOBI, PAPER_SWEEPS);
    }
}
