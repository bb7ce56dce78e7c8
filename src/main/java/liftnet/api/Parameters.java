package liftnet.api;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Weights and biases of a net, in float: {@code weights[k]} is row-major {@code W_k} of shape
 * {@code [n_{k+1} x n_k]}, {@code biases[k]} is {@code b_k} of length {@code n_{k+1}}, {@code k = 0..L-1}; for a
 * convolution ({@link NetSpec#conv(int)}) {@code weights[k]} is the kernel, row-major {@code [F, C, K, K]}, and
 * {@code biases[k]} one bias per filter, {@code [F]}.
 * A plain mutable container: engines copy it in and out, never keep a reference.
 */
public final class Parameters {

    private final NetSpec net;
    private final float[][] weights;
    private final float[][] biases;

    private Parameters(NetSpec net, float[][] weights, float[][] biases) {
        this.net = net;
        this.weights = weights;
        this.biases = biases;
    }

    /** All zeros. */
    public static Parameters zeros(NetSpec net) {
        int layers = net.layers();
        float[][] w = new float[layers][];
        float[][] b = new float[layers][];
        for (int k = 0; k < layers; k++) {
            w[k] = new float[net.weightCount(k)];
            b[k] = new float[net.biasCount(k)];
        }
        return new Parameters(net, w, b);
    }

    /**
     * Seeded initialisation: weights {@code W_k[i][j] ~ N(0, 1 / n_k)}, biases 0 (paper Section 5: normal
     * weights, zero biases); a convolution's kernel {@code N(0, 1 / (C K K))}, its fan-in. Layer {@code k} draws from its own stream, {@code split()} in layer order from
     * {@code new SplittableRandom(seed)}, so the first layers of two nets that share their first widths are
     * identical for the same seed.
     */
    public static Parameters initial(NetSpec net, long seed) {
        return initial(net, seed, 1);
    }

    /** {@link #initial(NetSpec, long)} with every weight multiplied by {@code scale}: {@code N(0, scale^2 / n_k)}. */
    public static Parameters initial(NetSpec net, long seed, double scale) {
        Parameters p = zeros(net);
        SplittableRandom root = new SplittableRandom(seed);
        for (int k = 0; k < net.layers(); k++) {
            SplittableRandom layer = root.split();
            double std = scale / Math.sqrt(net.fanIn(k));
            float[] w = p.weights[k];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (layer.nextGaussian() * std);
            }
        }
        return p;
    }

    /** Wraps the given arrays after checking their lengths against {@code net}; no copy. */
    public static Parameters of(NetSpec net, float[][] weights, float[][] biases) {
        if (weights.length != net.layers() || biases.length != net.layers()) {
            throw new IllegalArgumentException("net " + net + " has " + net.layers() + " weight layers; found "
                    + weights.length + " weight and " + biases.length + " bias arrays");
        }
        for (int k = 0; k < net.layers(); k++) {
            int rows = net.biasCount(k);
            if (weights[k].length != net.weightCount(k)) {
                String shape = Arrays.stream(net.weightShape(k)).mapToObj(Integer::toString)
                        .collect(java.util.stream.Collectors.joining(" x "));
                throw new IllegalArgumentException("W" + k + " of net " + net + " must hold " + shape
                        + " values; found " + weights[k].length);
            }
            if (biases[k].length != rows) {
                throw new IllegalArgumentException("b" + k + " of net " + net + " must hold " + rows + " values; found " + biases[k].length);
            }
        }
        return new Parameters(net, weights, biases);
    }

    public NetSpec net() {
        return net;
    }

    /** {@code W_k}, row-major {@code [n_{k+1} x n_k]}; the live array, modified by whoever writes into it. */
    public float[] weight(int k) {
        return weights[k];
    }

    /** {@code b_k}; the live array. */
    public float[] bias(int k) {
        return biases[k];
    }

    /** {@code W_k[row][col]} of a dense layer. */
    public float weight(int k, int row, int col) {
        return weights[k][row * net.pooledWidth(k) + col];
    }

    public Parameters copy() {
        float[][] w = new float[weights.length][];
        float[][] b = new float[biases.length][];
        for (int k = 0; k < weights.length; k++) {
            w[k] = weights[k].clone();
            b[k] = biases[k].clone();
        }
        return new Parameters(net, w, b);
    }

    /** Whether every value is finite. */
    public boolean isFinite() {
        for (int k = 0; k < weights.length; k++) {
            for (float v : weights[k]) {
                if (!Float.isFinite(v)) {
                    return false;
                }
            }
            for (float v : biases[k]) {
                if (!Float.isFinite(v)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** All values, weights then biases per layer, flattened (for comparisons in tests). */
    public float[] flatten() {
        int total = (int) net.parameterCount();
        float[] out = new float[total];
        int pos = 0;
        for (int k = 0; k < weights.length; k++) {
            System.arraycopy(weights[k], 0, out, pos, weights[k].length);
            pos += weights[k].length;
            System.arraycopy(biases[k], 0, out, pos, biases[k].length);
            pos += biases[k].length;
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Parameters other && net.equals(other.net)
                && Arrays.deepEquals(weights, other.weights) && Arrays.deepEquals(biases, other.biases);
    }

    @Override
    public int hashCode() {
        return net.hashCode() * 31 + Arrays.deepHashCode(weights);
    }
}
