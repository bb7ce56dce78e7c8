package liftnet.api;

import java.util.Locale;

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
     * Learning rate of weight layer {@code k} given the back-propagation rate {@code etaBp}.
     * <ul>
     * <li>contrastive: {@code eta_BP / gamma^(L-1)} for every layer (paper Section 5, from Eqs. 23 and 28);</li>
     * <li>lifted: {@code eta_BP / gamma^k}, so that each layer's step is that of its own least-squares problem
     *     {@code 1/2 ||z_{k+1} - W_k z_k - b_k||^2} (term {@code k} of the energy carries {@code gamma^k}; one rate
     *     for all layers is either unstable in layer 0 or frozen in layer L-1);</li>
     * <li>backprop and linear: {@code eta_BP}.</li>
     * </ul>
     */
    public double layerRate(double etaBp, NetConfig config, int k) {
        return switch (this) {
            case CONTRASTIVE -> etaBp / config.termWeight(config.net().layers() - 1);
            case LIFTED -> etaBp / config.termWeight(k);
            case BACKPROP, LINEAR -> etaBp;
        };
    }

    public static Method parse(String text) {
        return Ids.parse("method", text, values(), Method::id);
    }
}
