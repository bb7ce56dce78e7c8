package liftnet.api;

/** When an activation solver stops. */
public enum StopRule {
    /** After exactly {@code maxSweeps} sweeps (the paper: 15). */
    FIXED,
    /** When the relative energy decrease of one sweep, {@code (E_prev - E) / E}, falls below {@code tol}. */
    ENERGY,
    /** When the KKT residual {@code max |z - Proj_C(z - dE/dz)|} falls below {@code tol}. */
    KKT
}
