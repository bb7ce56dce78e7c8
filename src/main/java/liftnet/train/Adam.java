package liftnet.train;

import liftnet.api.NetSpec;
import liftnet.api.OptimizerConfig;

/**
 * Adam (Kingma and Ba, 2015): slots {@code m} and {@code v}, starting at 0; at step {@code t} (from 1),
 * {@code m = b1 m + (1-b1) g}, {@code v = b2 v + (1-b2) g^2},
 * {@code theta -= eta (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)}.
 */
final class Adam extends Optimizer {

    private final double beta1;
    private final double beta2;
    private final double epsilon;

    Adam(NetSpec net, double beta1, double beta2, double epsilon) {
        super(net, 2);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    @Override
    void update(float[] theta, float[] g, int layer, boolean weight, double rate) {
        float[] m = slot(0, layer, weight);
        float[] v = slot(1, layer, weight);
        double c1 = 1 - Math.pow(beta1, steps());
        double c2 = 1 - Math.pow(beta2, steps());
        for (int i = 0; i < theta.length; i++) {
            m[i] = (float) (beta1 * m[i] + (1 - beta1) * g[i]);
            v[i] = (float) (beta2 * v[i] + (1 - beta2) * (double) g[i] * g[i]);
            theta[i] = (float) (theta[i] - rate * (m[i] / c1) / (Math.sqrt(v[i] / c2) + epsilon));
        }
    }

    @Override
    public String id() {
        return OptimizerConfig.Kind.ADAM.id();
    }
}
