package liftnet.api;

import java.util.Locale;

/**
 * What the clamped phase does with the output {@code z_L}: the hard clamp {@code z_L = onehot(y)} (the paper's), or
 * a soft clamp that minimises {@code E(z; x) + beta * l(z_L, y)} over every layer, the output included, for a convex
 * {@code l}:
 * <ul>
 * <li>{@link Kind#SQUARED}: {@code l(z, y) = 1/2 ||z - onehot(y)||^2}; {@code beta -> infinity} is the hard clamp,
 *     which is how the hard clamp is represented ({@link #HARD}).</li>
 * <li>{@link Kind#CROSS_ENTROPY}: {@code l(z, y) = logsumexp(z) - z_y}; needs a finite {@code beta}.</li>
 * </ul>
 * The contrastive loss becomes {@code min_z [E + beta l] - min_z E}; by the envelope theorem its gradient is still
 * the difference of the two phases' weight derivatives of {@code E}, since {@code l} does not depend on the weights.
 *
 * <p>Symmetric nudging ({@code --nudge symmetric}) also minimises {@code E(z; x) - beta l(z_L, y)}, the negatively nudged
 * phase: that loss is {@link #negated()}, a finite negative weight. It is never parsed from the command line, and it is
 * well posed only while {@code E - beta l} stays convex ({@code liftnet.train.NudgeBound}).
 *
 * @param kind   the loss
 * @param weight {@code beta > 0}; {@link Double#POSITIVE_INFINITY} (squared only) is the hard clamp; a finite
 *               {@code -beta < 0} is the negative nudge ({@link #negated()})
 */
public record OutputLoss(Kind kind, double weight) {

    /** The paper's hard clamp {@code z_L = onehot(y)}. */
    public static final OutputLoss HARD = new OutputLoss(Kind.SQUARED, Double.POSITIVE_INFINITY);

    /** The convex output losses. */
    public enum Kind {
        /** {@code 1/2 ||z - onehot(y)||^2}. */
        SQUARED("squared"),
        /** {@code logsumexp(z) - z_y}. */
        CROSS_ENTROPY("cross-entropy");

        private final String id;

        Kind(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        public static Kind parse(String text) {
            return Ids.parse("output loss", text, values(), Kind::id);
        }
    }

    public OutputLoss {
        if (kind == null) {
            throw new IllegalArgumentException("the output loss kind is required");
        }
        if (!(weight > 0) && !(weight < 0 && Double.isFinite(weight))) {
            throw new IllegalArgumentException("clamp weight beta must be positive (or inf, the hard clamp); found " + weight);
        }
        if (kind == Kind.CROSS_ENTROPY && Double.isInfinite(weight)) {
            throw new IllegalArgumentException("the cross-entropy output loss needs a finite clamp weight beta"
                    + " (its infinite limit has no minimiser), e.g. 1");
        }
    }

    /** Whether this is the hard clamp {@code z_L = onehot(y)}. */
    public boolean isHard() {
        return Double.isInfinite(weight);
    }

    /** Whether this is symmetric nudging's negative phase, {@code -beta l} ({@link #negated()}). */
    public boolean isNegative() {
        return weight < 0;
    }

    /**
     * The negatively nudged loss {@code -beta l} of this soft clamp, or the positive one of a negative nudge.
     *
     * @throws IllegalStateException for the hard clamp, which has no negative phase
     */
    public OutputLoss negated() {
        if (isHard()) {
            throw new IllegalStateException("the hard clamp has no negatively nudged phase");
        }
        return new OutputLoss(kind, -weight);
    }

    /** {@code beta} as text: a decimal number, or {@code inf} for the hard clamp. */
    public String weightText() {
        return isHard() ? "inf" : Double.toString(weight);
    }

    /** Parses a clamp weight: a positive number, or {@code inf} / {@code infinity} / {@code hard}. */
    public static double parseWeight(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("inf") || t.equals("infinity") || t.equals("hard")) {
            return Double.POSITIVE_INFINITY;
        }
        double w;
        try {
            w = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("clamp weight '" + text + "' is not a number; expected a positive number"
                    + " or inf (the hard clamp), e.g. 1");
        }
        if (!(w > 0) || Double.isNaN(w)) {
            throw new IllegalArgumentException("clamp weight " + text + " must be positive (or inf, the hard clamp), e.g. 1");
        }
        return w;
    }

    /** E.g. {@code hard clamp}, {@code squared, beta 10.0}. */
    @Override
    public String toString() {
        return isHard() ? "hard clamp" : kind.id() + ", beta " + weightText();
    }
}
