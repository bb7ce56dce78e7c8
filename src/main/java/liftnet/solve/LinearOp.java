package liftnet.solve;

import liftnet.api.ConvLayer;
import liftnet.api.NetSpec;
import liftnet.api.Pooling;

/**
 * One weight layer {@code k} of a net as a linear map {@code W} from {@code n_k} to {@code n_{k+1}} units, with its
 * bias, on single samples: the products the solvers of {@link LayerSolver} need, whatever the structure of
 * {@code W} (dense or a convolution). The weights are the engine's live arrays in the {@link liftnet.api.Parameters}
 * layout; after they change, {@link #refresh()} recomputes what is derived from them. Vectors are float arrays with
 * an offset; {@code work} is scratch of at least {@link #workSize()} floats, one per thread.
 */
public abstract class LinearOp {

    /**
     * The op of weight layer {@code k} of {@code net}, over the live arrays {@code w} and {@code b}: the layer's own map
     * (a convolution, or dense on {@link NetSpec#pooledWidth(int)} inputs), composed with the average pooling of its
     * input where the net pools {@code z_k} ({@link PooledOp}, {@code W P}).
     */
    public static LinearOp of(NetSpec net, int k, float[] w, float[] b) {
        ConvLayer c = net.conv(k);
        LinearOp own = c != null ? new ConvOp(c, w, b) : new DenseOp(net.width(k + 1), net.pooledWidth(k), w, b);
        Pooling pool = net.pooling(k);
        return pool == null ? own : new PooledOp(pool, own);
    }

    /** {@code n_k}. */
    public abstract int inputs();

    /** {@code n_{k+1}}. */
    public abstract int outputs();

    /** Floats of scratch the products need. */
    public abstract int workSize();

    /** Recomputes derived data (transposed copies, {@link #columnNorms()}) after the weights changed. */
    public abstract void refresh();

    /**
     * {@code y = W x + b} ({@code bias}) or {@code y = W x}.
     *
     * @param y modified: {@code y[yo .. yo + n_{k+1})} is overwritten
     */
    public abstract void apply(float[] x, int xo, float[] y, int yo, boolean bias, float[] work);

    /**
     * {@code q = W^T r} (for a convolution, the transposed convolution).
     *
     * @param q modified: {@code q[qo .. qo + n_k)} is overwritten
     */
    public abstract void applyTransposed(float[] r, int ro, float[] q, int qo, float[] work);

    /** {@code (W^T r)_j = <W[:, j], r>}. */
    public abstract float columnDot(int j, float[] r, int ro);

    /** {@code r += alpha W[:, j]}; {@code r} modified. */
    public abstract void columnAxpy(int j, float alpha, float[] r, int ro);

    /**
     * {@code c_j = ||W[:, j]||^2} for every input unit {@code j} (for a convolution the sum of the squared kernel
     * weights that reach unit {@code j}, smaller at the borders); live, valid after {@link #refresh()}.
     */
    public abstract float[] columnNorms();

    /**
     * {@code gw += scale * lambda x^T}, {@code gb += scale * lambda} in the parameters' layout: for a convolution the
     * correlation {@code gK[f, c, dy, dx] += scale sum_{oy, ox} lambda[f, oy, ox] x[c, oy S + dy - P, ox S + dx - P]}
     * and {@code gb[f] += scale sum_{oy, ox} lambda[f, oy, ox]}.
     *
     * @param gw modified
     * @param gb modified
     */
    public abstract void accumulateGradient(float[] lambda, int lo, float[] x, int xo, float scale, float[] gw,
                                            float[] gb, float[] work);
}
