package liftnet.api;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Training objective. */
public enum Method {
    /** {@code J1 = min clamped E - min free E} (paper Eq. 9): gradient {@code dE(z_clamped) - dE(z_free)}. */
    CONTRASTIVE,
    /** {@code J0 = min clamped E} (paper Eq. 6), standard lifted training: gradient {@code dE(z_clamped)}. */
    LIFTED,
    /** Feed-forward net with the same units and the loss {@code 1/2 ||z_L - y||^2}, trained by back-propagation. */
    BACKPROP,
    /** Linear regression {@code x -> y} with the same loss (the net's hidden layers are dropped). */
    LINEAR;

    /** Whether the method infers activations by minimising the energy (test-time prediction included). */
    public boolean isLifted() {
        return this == CONTRASTIVE || this == LIFTED;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Learning rate applied to the gradient, given the back-propagation rate {@code etaBp}:
     * {@code eta_contrastive = eta_BP / gamma^(L-1)} (paper Section 5); standard lifted training uses the
     * same scaling, the others {@code eta_BP}.
     */
    public double scaledLearningRate(double etaBp, NetConfig config) {
        return isLifted() ? etaBp / config.termWeight(config.net().layers() - 1) : etaBp;
    }

    public static Method parse(String text) {
        String key = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (Method m : values()) {
            if (m.id().equals(key)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown method '" + text + "'; expected one of "
                + Arrays.stream(values()).map(Method::id).collect(Collectors.joining(", ")));
    }
}
