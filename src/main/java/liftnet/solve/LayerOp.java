package liftnet.solve;

import liftnet.api.NetSpec;
import liftnet.api.Pooling;

/**
 * Weight layer {@code k} of a net as a linear map {@code W} from {@code n_k} to {@code n_{k+1}} units, with its bias,
 * its gradient and everything derived from its weights: the products {@link ActivationSolver} and the CPU engine need,
 * on blocks of rows, whatever the structure of {@code W}. A row is a float array with an offset; the rows of a block are
 * a stride apart, and the products overwrite their outputs up to the padded width {@link VectorKernels#pad}, padding
 * included (with zeros there). {@code work} is per-thread scratch of at least {@link #workSize()} floats.
 * Implementations: {@link DenseOp} (padded, {@link VectorKernels}), {@link SparseInputOp} (a dense first layer on
 * sparse inputs), {@link ConvOp}, and {@link PooledOp}: an operator composed with an average pooling ({@code W P}),
 * each call the inner op's with the pooling beside it.
 */
public interface LayerOp {

    /**
     * The op of weight layer {@code k} of {@code net}, its parameters zero: the layer's own map (a convolution, or dense
     * on {@link NetSpec#pooledWidth(int)} inputs), composed with the average pooling of its input where the net pools
     * {@code z_k} ({@link PooledOp}, {@code W P}).
     */
    static LayerOp of(NetSpec net, int k) {
        int block = ActivationSolver.blockRows(net);
        LayerOp own = net.conv(k) != null ? new ConvOp(net.conv(k), k > 0, block)
                : k == 0 ? new SparseInputOp(net.width(1), net.width(0))
                : new DenseOp(net.width(k + 1), net.pooledWidth(k), true);
        Pooling pool = net.pooling(k);
        return pool == null ? own : new PooledOp(pool, own, block);
    }

    /** {@code n_k}. */
    int inputs();

    /** {@code n_{k+1}}. */
    int outputs();

    /** Floats of per-thread scratch the calls need. */
    default int workSize() {
        return 0;
    }

    /** Copies the layer's parameters in, in the {@link liftnet.api.Parameters} layout (not modified). */
    void set(float[] weight, float[] bias);

    /** Writes the layer's parameters into {@code weight} and {@code bias} (modified), {@code Parameters} layout. */
    void get(float[] weight, float[] bias);

    /**
     * {@code y_r = W x_r + b} ({@code bias}) or {@code y_r = W x_r} for rows {@code r < rows}, {@code x_r} at
     * {@code xo + r xs}, {@code y_r} at {@code yo + r ys}.
     *
     * @param y modified: the rows' {@code pad(n_{k+1})} values
     */
    void apply(float[] x, int xo, int xs, int rows, float[] y, int yo, int ys, boolean bias, float[] work);

    /**
     * {@code y_r = W x_{s(r)} + b} for the batch's rows {@code r0 <= r < r0 + rows}, {@code x_s} sample {@code s} of the
     * inputs (the first layer's product), {@code y_r} at {@code r ys}.
     *
     * @param y modified: the rows' {@code pad(n_1)} values
     * @throws UnsupportedOperationException for an op that never reads the data (a dense layer after a solved one,
     *         a pooled layer)
     */
    default void applyToInputs(InputRows in, int r0, int rows, float[] y, int ys, float[] work) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " is not a first layer");
    }

    /**
     * {@code q_r = W^T v_r} (for a convolution, the transposed convolution), rows as in {@link #apply}.
     *
     * @param q modified: the rows' {@code pad(n_k)} values
     */
    void applyTransposed(float[] v, int vo, int vs, int rows, float[] q, int qo, int qs, float[] work);

    /**
     * {@code c_j = ||W[:, j]||^2} for every input unit {@code j}, padded with zeros to {@code pad(n_k)}; live, kept
     * up to date by every change of the weights. Layers {@code k >= 1} only.
     */
    float[] columnNorms();

    /** {@code (W^T v)_j = <W[:, j], v>}, {@code v} a padded row at {@code vo}. */
    float columnDot(int j, float[] v, int vo);

    /** {@code v += alpha W[:, j]}; {@code v} modified. */
    void columnAxpy(int j, float alpha, float[] v, int vo);

    /**
     * Rows of the gradient that {@link #accumulateGradient} splits into: gradient rows {@code p0 .. p1} of different
     * calls never share an entry, so threads may own them.
     */
    int gradientRows();

    /**
     * The gradient's rows {@code p0 .. p1} become {@code -t.scale sum_r (lambdaA_r zA_r^T - lambdaB_r zB_r^T)} over the
     * rows of the batch (for a convolution, the correlation of each residual with its input; gradient row {@code p} is
     * weight column {@code p} of a dense layer and kernel entry {@code p = (c, dy, dx)} of a convolution).
     *
     * @return whether they are all finite
     */
    boolean accumulateGradient(int p0, int p1, GradientTerms t, float[] work);

    /** The bias gradient becomes {@code -t.scale sum_r (lambdaA_r - lambdaB_r)} (summed over positions). */
    boolean accumulateBias(GradientTerms t);

    /** Writes the last gradient into {@code weight} and {@code bias} (modified), {@code Parameters} layout. */
    void gradient(float[] weight, float[] bias);

    /** {@code W -= eta G} in gradient rows {@code p0 .. p1}, with what is derived from them where it can be. */
    void step(int p0, int p1, float eta);

    /** {@code b -= eta g}. */
    void stepBias(float eta);

    /** Recomputes what depends on all of the weights after {@link #step}s (a convolution's {@code c_j}). */
    default void stepped() {
    }
}
