package liftnet.gpu;

import liftnet.api.EpochStats;

/**
 * The statistics that stay on the device until the host drains them ({@code kernels/train.cl}): solver counts
 * and residuals per inference, metrics per evaluated batch, update counts. Layout in {@link Workspace}.
 */
final class DeviceStats {

    private final Workspace w;
    private final Launcher l;

    DeviceStats(Workspace w) {
        this.w = w;
        this.l = w.launcher;
    }

    /** Adds one inference of {@code batch} samples (sweeps and final residuals in the scratch buffers). */
    void addSolve(int batch) {
        l.launch(Kernel.SOLVER_STATS.args().i(batch).b(w.sweeps).b(w.resid).b(w.statsI).b(w.statsF),
                1, 1, w.reduceSize, 1, 4 * w.reduceSize);
    }

    /** Adds the batch's predictions from phase {@code p}, its linear units, and the energies of the inferred phases. */
    void addMetrics(int p, int batch, boolean hasFree, boolean hasClamped) {
        int free = liftnet.api.Phase.FREE.ordinal();
        int clamped = liftnet.api.Phase.CLAMPED.ordinal();
        l.launch(Kernel.METRICS.args().i(batch).b(w.shape).i(w.lay.layers()).i(w.lay.rowWidth()).b(w.z[p]).b(w.y).f(w.lo).f(w.hi)
                .b(w.energy[free]).i(hasFree ? 1 : 0).b(w.energy[clamped]).i(hasClamped ? 1 : 0).b(w.statsI).b(w.statsF),
                1, 1, w.reduceSize, 1, 8 * w.reduceSize);
    }

    /** Reads and resets the statistics. */
    EpochStats drain() {
        int h = w.hidden();
        int[] ints = l.readInts(w.statsI, w.statsInts());
        float[] floats = l.readFloats(w.statsF, Workspace.STATS_FLOATS);
        reset();
        long[] linear = new long[h];
        for (int k = 0; k < h; k++) {
            linear[k] = Integer.toUnsignedLong(ints[Workspace.STATS_INTS_FIXED + k]);
        }
        long inferences = Integer.toUnsignedLong(ints[2]);
        double maxResidual = inferences == 0 ? Double.NaN : floats[4];
        return new EpochStats(Integer.toUnsignedLong(ints[0]), Integer.toUnsignedLong(ints[1]), linear,
                (double) floats[0] + floats[1], (double) floats[2] + floats[3], inferences,
                Integer.toUnsignedLong(ints[3]), maxResidual, ints[Workspace.STATS_INTS_FIXED + h],
                ints[Workspace.STATS_INTS_FIXED + h + 1]);
    }

    /** Zeroes the counters (the first non-finite update: -1). */
    void reset() {
        int[] ints = new int[w.statsInts()];
        ints[Workspace.STATS_INTS_FIXED + w.hidden() + 1] = -1;
        l.writeInts(w.statsI, ints);
        l.zero(w.statsF, 0, w.statsF.bytes());
    }
}
