package liftnet.api;

import java.util.Locale;

/**
 * The update rule that turns a mini-batch gradient {@code g} into a parameter step, validated once.
 *
 * @param kind     {@link Kind#SGD} (the paper's), {@link Kind#MOMENTUM} or {@link Kind#ADAM}
 * @param momentum {@code mu} of momentum, {@code beta1} of Adam; in [0, 1)
 * @param beta2    Adam's second-moment decay, in [0, 1)
 * @param epsilon  Adam's denominator floor, positive
 */
public record OptimizerConfig(Kind kind, double momentum, double beta2, double epsilon) {

    /** Update rules; each names the formula it applies with the layer's rate {@code eta_k}. */
    public enum Kind {
        /** {@code theta -= eta_k g}. */
        SGD,
        /** Heavy ball: {@code v = mu v + g; theta -= eta_k v}. */
        MOMENTUM,
        /**
         * {@code m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; theta -= eta m/(1-b1^t) / (sqrt(v/(1-b2^t)) + eps)}.
         * Its step does not scale with the gradient, so every layer uses {@code eta_BP} itself.
         */
        ADAM;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind parse(String text) {
            return Ids.parse("optimizer", text, values(), Kind::id);
        }
    }

    /** Momentum and Adam's {@code beta1} unless given. */
    public static final double DEFAULT_MOMENTUM = 0.9;
    /** Adam's {@code beta2} unless given. */
    public static final double DEFAULT_BETA2 = 0.999;
    /** Adam's {@code epsilon} unless given. */
    public static final double DEFAULT_EPSILON = 1e-8;

    public OptimizerConfig {
        if (kind == null) {
            throw new IllegalArgumentException("optimizer kind is required");
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), e.g. 0.9; found " + momentum);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta2 must be in [0, 1), e.g. 0.999; found " + beta2);
        }
        if (!(epsilon > 0 && Double.isFinite(epsilon))) {
            throw new IllegalArgumentException("epsilon must be a positive number, e.g. 1e-8; found " + epsilon);
        }
    }

    /** Plain SGD, the paper's rule and the default. */
    public static OptimizerConfig sgd() {
        return new OptimizerConfig(Kind.SGD, DEFAULT_MOMENTUM, DEFAULT_BETA2, DEFAULT_EPSILON);
    }

    /** Whether the rule keeps state between batches (and so needs the host-side update). */
    public boolean hasState() {
        return kind != Kind.SGD;
    }
}
