package liftnet.api;

import java.util.List;

/**
 * The state of a stateful update rule kept by an engine ({@link Engine#optimizerState()}): the updates done and
 * the rule's slots, shaped like the parameters (momentum: {@code v}; Adam: {@code m}, {@code v}).
 *
 * @param kind  the rule
 * @param steps updates done, {@code t} of Adam's bias corrections; at least 0
 * @param slots the moments, in the rule's order; copies
 */
public record OptimizerState(OptimizerConfig.Kind kind, long steps, List<Parameters> slots) {

    public OptimizerState {
        if (kind == null || slots == null || steps < 0) {
            throw new IllegalArgumentException("optimizer state needs a kind, slots and steps >= 0; found " + kind
                    + ", " + (slots == null ? "no slots" : slots.size() + " slots") + ", steps " + steps);
        }
        if (slots.size() != slotCount(kind)) {
            throw new IllegalArgumentException("optimizer " + kind.id() + " keeps " + slotCount(kind) + " slots; found "
                    + slots.size());
        }
        slots = List.copyOf(slots);
    }

    /** Slots of {@code kind}: 0 (SGD), 1 (momentum), 2 (Adam). */
    public static int slotCount(OptimizerConfig.Kind kind) {
        return switch (kind) {
            case SGD -> 0;
            case MOMENTUM -> 1;
            case ADAM -> 2;
        };
    }
}
