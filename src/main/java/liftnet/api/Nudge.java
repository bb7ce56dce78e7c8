package liftnet.api;

/**
 * How the contrastive loss nudges the output with a soft clamp ({@link OutputLoss}), with
 * {@code E*(beta) = min_z E(z; x) + beta l(z_L, y)}:
 * <ul>
 * <li>{@link #ONE_SIDED}: {@code E*(beta) - E*(0)}, the paper's (clamped minus free), a one-sided difference in
 *     {@code beta} whose gradient is {@code beta} times that of {@code l(z_L^free, y)} up to {@code O(beta^2)};</li>
 * <li>{@link #SYMMETRIC}: {@code (E*(beta) - E*(-beta)) / 2}, the central difference (equilibrium propagation's symmetric
 *     nudging), {@code beta} times the same gradient up to {@code O(beta^3)}; it needs a negatively nudged phase, which
 *     is well posed only while {@code E - beta l} is convex.</li>
 * </ul>
 * Both estimate {@code beta} times the same gradient, so both use the same learning rate for the same {@code beta}.
 */
public enum Nudge {
    /** {@code E*(beta) - E*(0)}. */
    ONE_SIDED("one-sided"),
    /** {@code (E*(beta) - E*(-beta)) / 2}. */
    SYMMETRIC("symmetric");

    private final String id;

    Nudge(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Nudge parse(String text) {
        return Ids.parse("nudge", text, values(), Nudge::id);
    }
}
