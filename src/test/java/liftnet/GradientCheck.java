package liftnet;

import java.util.SplittableRandom;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;

/** Directional central differences of a loss over parameters, to check analytic gradients. */
public final class GradientCheck {

    /** A scalar function of the parameters. */
    public interface Loss {
        double at(Parameters p);
    }

    private GradientCheck() {
    }

    /** A seeded unit direction supported on {@code W_k} (or {@code b_k} when {@code bias}). */
    public static Parameters direction(NetSpec net, int k, boolean bias, long seed) {
        Parameters d = Parameters.zeros(net);
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = bias ? d.bias(k) : d.weight(k);
        double norm = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
            norm += v[i] * v[i];
        }
        for (int i = 0; i < v.length; i++) {
            v[i] /= (float) Math.sqrt(norm);
        }
        return d;
    }

    /** {@code p + h d}, a new object. */
    public static Parameters plus(Parameters p, Parameters d, double h) {
        Parameters q = p.copy();
        for (int k = 0; k < p.net().layers(); k++) {
            for (int i = 0; i < q.weight(k).length; i++) {
                q.weight(k)[i] += (float) (h * d.weight(k)[i]);
            }
            for (int i = 0; i < q.bias(k).length; i++) {
                q.bias(k)[i] += (float) (h * d.bias(k)[i]);
            }
        }
        return q;
    }

    /** {@code <a, b>} over all parameters. */
    public static double dot(Parameters a, Parameters b) {
        float[] x = a.flatten();
        float[] y = b.flatten();
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += (double) x[i] * y[i];
        }
        return s;
    }

    /** {@code (loss(p + h d) - loss(p - h d)) / 2h}. */
    public static double centralDifference(Loss loss, Parameters p, Parameters d, double h) {
        return (loss.at(plus(p, d, h)) - loss.at(plus(p, d, -h))) / (2 * h);
    }
}
