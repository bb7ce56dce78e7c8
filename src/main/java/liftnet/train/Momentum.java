package liftnet.train;

import liftnet.api.NetSpec;
import liftnet.api.OptimizerConfig;

/** Heavy-ball momentum: {@code v = mu v + g}, {@code theta -= eta_k v}; one slot, {@code v}, starting at 0. */
final class Momentum extends Optimizer {

    private final double mu;

    Momentum(NetSpec net, double mu) {
        super(net, 1);
        this.mu = mu;
    }

    @Override
    void update(float[] theta, float[] g, int layer, boolean weight, double rate) {
        float[] v = slot(0, layer, weight);
        for (int i = 0; i < theta.length; i++) {
            v[i] = (float) (mu * v[i] + g[i]);
            theta[i] = (float) (theta[i] - rate * v[i]);
        }
    }

    @Override
    public String id() {
        return OptimizerConfig.Kind.MOMENTUM.id();
    }
}
