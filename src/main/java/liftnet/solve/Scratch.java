package liftnet.solve;

/**
 * Per-thread temporary rows for a block of samples ({@link ActivationSolver#blockRows}), each row as wide as
 * the widest padded layer after the input, and the state of the rows in flight. Not shared between threads.
 */
public final class Scratch {

    final float[] residual;
    final float[] q;
    final float[] delta;
    final float[] d;
    final double[] slope;
    final double[] step2;
    /** Per slot, the energy decrease of the current sweep, from its line searches. */
    final double[] decrease;
    /** Per slot of the rows in flight: the row, its sweeps so far, its energy and KKT residual after them. */
    final int[] row;
    final int[] sweeps;
    final double[] energy;
    final double[] residualNorm;
    /** Work rows of the soft clamp's output subproblem ({@link OutputProx#newWork()}), allocated on first use. */
    double[][] proxWork;

    /** Scratch of the layers' products ({@link LayerOp#workSize()}). */
    final float[] work;

    /**
     * @param block the rows in flight at most
     * @param max   the widest padded layer after the input
     * @param work  floats of scratch the layers' products need
     */
    Scratch(int block, int max, int work) {
        this.work = new float[Math.max(1, work)];
        residual = new float[block * max];
        q = new float[block * max];
        delta = new float[block * max];
        d = new float[block * max];
        slope = new double[block];
        step2 = new double[block];
        decrease = new double[block];
        row = new int[block];
        sweeps = new int[block];
        energy = new double[block];
        residualNorm = new double[block];
    }

    /** Scratch of the layers' products, for the engine's own calls of them; live. */
    public float[] work() {
        return work;
    }
}
