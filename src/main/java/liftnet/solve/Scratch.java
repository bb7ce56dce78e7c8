package liftnet.solve;

/** Per-thread temporary rows, each as wide as the widest padded layer. Not shared between threads. */
public final class Scratch {

    final float[] residual;
    final float[] q;
    final float[] delta;
    final float[] d;

    public Scratch(PaddedWeights weights) {
        int max = 0;
        for (int k = 0; k <= weights.layers(); k++) {
            max = Math.max(max, weights.stride(k));
        }
        residual = new float[max];
        q = new float[max];
        delta = new float[max];
        d = new float[max];
    }
}
