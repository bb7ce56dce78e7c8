package liftnet.cpu;

import java.util.EnumSet;
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
    /** The phases computed for the selected batch and the current weights. */
    private final EnumSet<Phase> done = EnumSet.noneOf(Phase.class);

    /** A batch was selected: nothing of it is computed yet. */
    void selected() {
        selected = true;
        invalidate();
    }

    /** The weights or the batch changed: no phase of the batch is valid any more. */
    void invalidate() {
        done.clear();
    }

    /** {@code phase} was computed; a forward pass invalidates the phases inferred from an earlier one. */
    void done(Phase phase) {
        if (phase == Phase.FORWARD) {
            done.clear();
        }
        done.add(phase);
    }

    /** Whether {@code phase} was computed for this forward pass. */
    boolean has(Phase phase) {
        return done.contains(phase);
    }

    /** The clamped phase's results were overwritten (by backprop deltas, in {@link CpuEngine}). */
    void clampedLost() {
        done.remove(Phase.CLAMPED);
    }

    /** A batch is selected. */
    void requireBatch() {
        require(selected, "no batch selected: call selectBatch first");
    }

    /** The forward pass of the current batch and weights was run. */
    void requireForward() {
        require(has(Phase.FORWARD), "no forward pass for this batch (or the weights changed): call forward first");
    }

    /** The forward pass and the phases that {@code method}'s gradient needs were run. */
    void requireGradient(Method method) {
        requireForward();
        switch (method) {
            case CONTRASTIVE -> require((has(Phase.FREE) || has(Phase.NEGATIVE)) && has(Phase.CLAMPED),
                    "the contrastive gradient needs inferClamped and inferFree (or inferNegative) first");
            case LIFTED -> require(has(Phase.CLAMPED), "the lifted gradient needs inferClamped first");
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
                require(has(Phase.FREE), "no free-phase activations for this batch: call inferFree first");
                yield freeAct;
            }
            case CLAMPED -> {
                require(has(Phase.CLAMPED), "no clamped-phase activations for this batch: call inferClamped first");
                yield clampedAct;
            }
            case NEGATIVE -> {
                require(has(Phase.NEGATIVE),
                        "no negatively nudged activations for this batch: call inferNegative first");
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
