package liftnet.api;

/**
 * What defines a lifted network's energy: the widths, the hidden units and the feedback weight.
 *
 * <pre>
 * E(z; x) = 1/2 ||z_1 - W_0 x - b_0||^2 + sum_{k=1}^{L-1} gamma^k / 2 ||z_{k+1} - W_k z_k - b_k||^2
 * </pre>
 *
 * The clamped phase minimises {@code E} with {@code z_L = onehot(y)}, or {@code E + beta l(z_L, y)} for a soft
 * clamp ({@link OutputLoss}).
 *
 * @param net        layer widths
 * @param units      the convex set of the hidden units
 * @param gamma      feedback weight, in (0, 1]; the paper uses 1/8
 * @param outputLoss the clamped phase's treatment of the output; {@link OutputLoss#HARD} is the paper's
 */
public record NetConfig(NetSpec net, Units units, double gamma, OutputLoss outputLoss) {

    /** The paper's feedback weight. */
    public static final double PAPER_GAMMA = 0.125;

    public NetConfig {
        if (net == null || units == null || outputLoss == null) {
            throw new IllegalArgumentException("net, units and output loss are required");
        }
        if (!(gamma > 0 && gamma <= 1)) {
            throw new IllegalArgumentException("gamma must be in (0, 1]; found " + gamma + " (the paper uses 0.125)");
        }
    }

    /** The paper's hard clamp. */
    public NetConfig(NetSpec net, Units units, double gamma) {
        this(net, units, gamma, OutputLoss.HARD);
    }

    /** This config with another output loss. */
    public NetConfig withOutputLoss(OutputLoss loss) {
        return new NetConfig(net, units, gamma, loss);
    }

    /** {@code gamma^k}, the weight of energy term {@code k} (term 0 has weight 1). */
    public double termWeight(int k) {
        return Math.pow(gamma, k);
    }
}
