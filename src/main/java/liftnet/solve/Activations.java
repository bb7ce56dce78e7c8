package liftnet.solve;

/**
 * Activations {@code z_k} and pre-activations {@code a_k = W_{k-1} z_{k-1} + b_{k-1}} of a batch for one
 * phase, row-major {@code [capacity x pad(n_k)]}, for {@code k >= 1}; the input lives in the data set
 * ({@link InputRows}). Kept consistent by every solver: after any step, {@code a[k+1]} equals the pre-activation of
 * the current {@code z[k]}.
 */
public final class Activations {

    final float[][] z;
    final float[][] a;
    /** Per row, the label of a soft clamp's output loss, or -1 (free phase, forward pass, hard clamp). */
    final int[] target;
    private final int[] stride;

    /** @param stride {@code pad(n_k)} for {@code k = 0..L} */
    Activations(int[] stride, int capacity) {
        int layers = stride.length - 1;
        this.stride = stride;
        z = new float[layers + 1][];
        a = new float[layers + 1][];
        target = new int[capacity];
        java.util.Arrays.fill(target, -1);
        for (int k = 1; k <= layers; k++) {
            z[k] = new float[capacity * stride[k]];
            a[k] = new float[capacity * stride[k]];
        }
    }

    /** {@code z_k}; live. */
    public float[] z(int k) {
        return z[k];
    }

    /** {@code a_k}; live. */
    public float[] a(int k) {
        return a[k];
    }

    /** Copies rows {@code r0..r1} of every layer {@code k >= 1} of {@code from}, and their targets, into this. */
    public void copyRows(Activations from, int r0, int r1) {
        System.arraycopy(from.target, r0, target, r0, r1 - r0);
        for (int k = 1; k < z.length; k++) {
            int s = stride[k];
            System.arraycopy(from.z[k], r0 * s, z[k], r0 * s, (r1 - r0) * s);
            System.arraycopy(from.a[k], r0 * s, a[k], r0 * s, (r1 - r0) * s);
        }
    }
}
