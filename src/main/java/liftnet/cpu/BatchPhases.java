package liftnet.cpu;

import liftnet.api.Method;
import liftnet.api.Phase;

/**
 * Which results of the selected batch a CPU engine holds, and the checks that the engine's calls come in the
 * order {@code selectBatch -> forward -> inferFree / inferClamped -> computeGradient -> applyUpdate}. A check
 * that fails throws {@link IllegalStateException} with the call that is missing. Not thread-safe: the engine's
 * calling thread owns it.
 */
final class BatchPhases {

    private boolean selected;
    private boolean forward;
    private boolean free;
    private boolean clamped;
    private boolean negative;

    /** A batch was selected: nothing of it is computed yet. */
    void selected() {
        selected = true;
        invalidate();
    }

    /** The weights or the batch changed: no phase of the batch is valid any more. */
    void invalidate() {
        forward = false;
        free = false;
        clamped = false;
        negative = false;
    }

    /** The forward pass was run; the inferred phases of an earlier pass are no longer valid. */
    void forwardDone() {
        invalidate();
        forward = true;
    }

    /** The free phase was inferred. */
    void freeDone() {
        free = true;
    }

    /** The clamped phase was inferred. */
    void clampedDone() {
        clamped = true;
    }

    /** The negatively nudged phase was inferred. */
    void negativeDone() {
        negative = true;
    }

    /** Whether the negatively nudged phase of this forward pass was inferred (the gradient is then symmetric). */
    boolean negative() {
        return negative;
    }

    /** The clamped phase's results were overwritten (by backprop deltas, in {@link CpuEngine}). */
    void clampedLost() {
        clamped = false;
    }

    /** Whether the free phase of this forward pass was inferred. */
    boolean free() {
        return free;
    }

    /** Whether the clamped phase of this forward pass was inferred. */
    boolean clamped() {
        return clamped;
    }

    /** A batch is selected. */
    void requireBatch() {
        require(selected, "no batch selected: call selectBatch first");
    }

    /** The forward pass of the current batch and weights was run. */
    void requireForward() {
        require(forward, "no forward pass for this batch (or the weights changed): call forward first");
    }

    /** The forward pass and the phases that {@code method}'s gradient needs were run. */
    void requireGradient(Method method) {
        requireForward();
        switch (method) {
            case CONTRASTIVE -> require((free || negative) && clamped,
                    "the contrastive gradient needs inferClamped and inferFree (or inferNegative) first");
            case LIFTED -> require(clamped, "the lifted gradient needs inferClamped first");
            case BACKPROP, LINEAR -> {
            }
        }
    }

    /**
     * The engine's activations of {@code phase}, after checking that the phase was computed for this batch.
     *
     * @return one of {@code forwardAct}, {@code freeAct}, {@code clampedAct}, {@code negativeAct}; none is modified
     */
    <T> T select(Phase phase, T forwardAct, T freeAct, T clampedAct, T negativeAct) {
        return switch (phase) {
            case FORWARD -> {
                requireForward();
                yield forwardAct;
            }
            case FREE -> {
                require(free, "no free-phase activations for this batch: call inferFree first");
                yield freeAct;
            }
            case CLAMPED -> {
                require(clamped, "no clamped-phase activations for this batch: call inferClamped first");
                yield clampedAct;
            }
            case NEGATIVE -> {
                require(negative, "no negatively nudged activations for this batch: call inferNegative first");
                yield negativeAct;
            }
        };
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
