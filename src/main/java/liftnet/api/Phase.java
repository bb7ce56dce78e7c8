package liftnet.api;

/**
 * Which activations an engine holds: the forward pass, the free or the clamped minimiser of the energy, and with
 * symmetric nudging the negatively nudged one.
 */
public enum Phase {
    /** {@code z_{k+1} = Proj_C(W_k z_k + b_k)}, output linear. */
    FORWARD,
    /** Minimiser of {@code E} over {@code z_1..z_L}. */
    FREE,
    /** Minimiser of {@code E} with {@code z_L = y} (one-hot target), or of {@code E + beta l(z_L, y)} (a soft clamp). */
    CLAMPED,
    /**
     * Symmetric nudging's negatively nudged phase: minimiser of {@code E - beta l(z_L, y)} over {@code z_1..z_L}
     * ({@link Engine#inferNegative}); soft clamps only.
     */
    NEGATIVE
}
