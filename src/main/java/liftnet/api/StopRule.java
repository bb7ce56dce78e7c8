package liftnet.api;

/** When an activation solver stops. */
public enum StopRule {
    /** After exactly {@code maxSweeps} sweeps (the paper: 15). */
    FIXED,
    /**
     * When the relative energy decrease of one sweep, {@code (E_prev - E) / E}, falls below {@code tol}. Jacobi
     * solvers take the decrease from their line searches, {@code sum_k -gamma^(k-1) (t s_k + t^2 h_k / 2)},
     * instead of subtracting two energies: near the minimum that difference is float32 rounding noise (about
     * 1e-7 of E), which stopped every tolerance below 1e-7 at the same sweep. In the free phase, where
     * {@code z_L} follows {@code a_L} after the step, this is a lower bound of the decrease.
     */
    ENERGY,
    /** When the KKT residual {@code max |z - Proj_C(z - dE/dz)|} falls below {@code tol}. */
    KKT
}
