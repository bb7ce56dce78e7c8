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
    /** Symmetric nudging's negatively nudged phase ({@link Phase#NEGATIVE}). */
    static final int NEGATIVE = Phase.NEGATIVE.ordinal();
    static final int PHASES = Phase.values().length;

    DeviceBatches.Data data;
    int from;
    int batch;
    /** Whether the batch's inputs and labels sit in the workspace's {@code x}, {@code y}. */
    boolean gathered;
    final boolean[] valid = new boolean[PHASES];
    final boolean[] computed = new boolean[PHASES];
    final SolverConfig[] solverOf = new SolverConfig[PHASES];
    /** The phase the clamped inference starts from ({@link #FREE} or {@link #FORWARD}). */
    int clampedStart = FORWARD;
    /** The phase the negative inference starts from ({@link #FREE} or {@link #FORWARD}). */
    int negativeStart = FORWARD;
    Method pendingGradient;
    /** Whether the waiting contrastive gradient is symmetric nudging's (the negative phase instead of the free one). */
    boolean pendingSymmetric;
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
        return waiting(FORWARD) || waiting(FREE) || waiting(CLAMPED) || waiting(NEGATIVE);
    }

    /**
     * The kernels' {@code nudge} of phase {@code p} ({@code NUDGED_BETA} in kernels/common.cl): 0 the output is free
     * (forward, free), 1 the clamped phase ({@code + beta l}, or the hard clamp), -1 the negative phase ({@code - beta l}).
     */
    static int nudge(int p) {
        return p == CLAMPED ? 1 : p == NEGATIVE ? -1 : 0;
    }

    /** The phase nudged phase {@code p} starts from. */
    int startOf(int p) {
        return p == NEGATIVE ? negativeStart : clampedStart;
    }

    /** Forgets the phases of the batch (a new batch, or parameters changed under it). */
    void invalidate() {
        Arrays.fill(valid, false);
        Arrays.fill(computed, false);
    }
}
