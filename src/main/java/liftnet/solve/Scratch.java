package liftnet.solve;

/**
 * Per-thread temporary rows for a block of up to {@link VectorKernels#BLOCK} samples, each row as wide as
 * the widest padded layer after the input, and the state of the rows in flight. Not shared between threads.
 */
public final class Scratch {

    final float[] residual;
    final float[] q;
    final float[] delta;
    final float[] d;
    final double[] slope = new double[VectorKernels.BLOCK];
    final double[] step2 = new double[VectorKernels.BLOCK];
    /** Per slot, the energy decrease of the current sweep, from its line searches. */
    final double[] decrease = new double[VectorKernels.BLOCK];
    /** Per slot of the rows in flight: the row, its sweeps so far, its energy and KKT residual after them. */
    final int[] row = new int[VectorKernels.BLOCK];
    final int[] sweeps = new int[VectorKernels.BLOCK];
    final double[] energy = new double[VectorKernels.BLOCK];
    final double[] residualNorm = new double[VectorKernels.BLOCK];
    /** Work rows of the soft clamp's output subproblem ({@link OutputProx#newWork()}), allocated on first use. */
    double[][] proxWork;

    /** Scratch of the layers' products ({@link LayerOp#workSize()}). */
    final float[] work;

    /**
     * @param max  the widest padded layer after the input
     * @param work floats of scratch the layers' products need
     */
    Scratch(int max, int work) {
        this.work = new float[Math.max(1, work)];
        residual = new float[VectorKernels.BLOCK * max];
        q = new float[VectorKernels.BLOCK * max];
        delta = new float[VectorKernels.BLOCK * max];
        d = new float[VectorKernels.BLOCK * max];
    }

    /** Scratch of the layers' products, for the engine's own calls of them; live. */
    public float[] work() {
        return work;
    }
}
