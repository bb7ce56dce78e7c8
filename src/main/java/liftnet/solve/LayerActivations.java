package liftnet.solve;

/**
 * Activations of a batch for one phase, for {@link LayerSolver}: {@code z[k]} row-major {@code [capacity x n_k]} for
 * {@code k = 0..L} ({@code z[0]} the inputs) and the pre-activations {@code a[k] = W_{k-1} z[k-1] + b_{k-1}} for
 * {@code k = 1..L}, unpadded. Every solver step keeps {@code a[k+1]} equal to the pre-activation of the current
 * {@code z[k]}.
 */
public final class LayerActivations {

    final float[][] z;
    final float[][] a;
    final int[] width;
    /** Per row, the label of a soft clamp's output loss, or -1 (free phase, forward pass, hard clamp). */
    final int[] target;

    public LayerActivations(int[] widths, int capacity) {
        this.width = widths.clone();
        z = new float[widths.length][];
        a = new float[widths.length][];
        target = new int[capacity];
        java.util.Arrays.fill(target, -1);
        for (int k = 0; k < widths.length; k++) {
            z[k] = new float[capacity * widths[k]];
            if (k > 0) {
                a[k] = new float[capacity * widths[k]];
            }
        }
    }

    /** {@code z_k}; live. */
    public float[] z(int k) {
        return z[k];
    }

    /** {@code a_k}, {@code k >= 1}; live. */
    public float[] a(int k) {
        return a[k];
    }

    /** Row {@code r}'s soft-clamp label, or -1. */
    public int target(int r) {
        return target[r];
    }

    /** Copies row {@code r} of every layer {@code k >= 1}, and its target, from {@code from}. */
    public void copyRow(LayerActivations from, int r) {
        target[r] = from.target[r];
        for (int k = 1; k < z.length; k++) {
            int n = width[k];
            System.arraycopy(from.z[k], r * n, z[k], r * n, n);
            System.arraycopy(from.a[k], r * n, a[k], r * n, n);
        }
    }
}
