package liftnet.gpu;

import java.util.Arrays;
import liftnet.api.Method;
import liftnet.api.Phase;
import liftnet.api.SolverConfig;

/**
 * The batch a {@link GpuEngine} works on and what has been asked of it: the phases asked for ({@link #valid}) and
 * those already launched ({@link #computed}), their solvers, and the gradient and rates waiting for their launch.
 * Mutable: {@link PhaseScheduler} runs what waits, {@link EpochReplay} swaps whole states to launch recorded steps.
 */
final class BatchState {

    static final int FORWARD = Phase.FORWARD.ordinal();
    static final int FREE = Phase.FREE.ordinal();
    static final int CLAMPED = Phase.CLAMPED.ordinal();

    DeviceBatches.Data data;
    int from;
    int batch;
    /** Whether the batch's inputs and labels sit in the workspace's {@code x}, {@code y}. */
    boolean gathered;
    final boolean[] valid = new boolean[3];
    final boolean[] computed = new boolean[3];
    final SolverConfig[] solverOf = new SolverConfig[3];
    /** The phase the clamped inference starts from ({@link #FREE} or {@link #FORWARD}). */
    int clampedStart = FORWARD;
    Method pendingGradient;
    /** The waiting update's constants ({@link GradientUpdate#stepRow}), or null when no update waits. */
    float[] pendingRow;
    /**
     * Where the waiting update's constants already are: a {@link StepRates} buffer of recorded steps and the row's
     * element offset; null when they are in {@link #pendingRow} (then they go to the ring at launch).
     */
    GpuBuffer rateTable;
    int rateOffset;

    /** Whether phase {@code p} was asked for and not yet launched. */
    boolean waiting(int p) {
        return valid[p] && !computed[p];
    }

    boolean anyWaiting() {
        return waiting(FORWARD) || waiting(FREE) || waiting(CLAMPED);
    }

    /** Forgets the phases of the batch (a new batch, or parameters changed under it). */
    void invalidate() {
        Arrays.fill(valid, false);
        Arrays.fill(computed, false);
    }
}
