package liftnet.gpucheck;

import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * The GPU check's time budget: the whole check has {@code total} seconds from its start, and each step asks for a
 * time limit before it runs.
 *
 * <p>A step that wants {@code want} seconds and needs at least {@code min} gets
 * {@code limit = min(want * scale, left - RESERVE_S)}, where {@code left = total - elapsed} and
 * {@code scale = max(1, total / nominal)} (a budget above the nominal one means a slower machine, so every step may
 * run longer); the step is not run when {@code limit < min}. {@link #RESERVE_S} seconds stay for the summary.
 * Steps therefore run in priority order: when time runs out the last ones are the ones left out.
 */
public final class Budget {

    /** Seconds kept back from every step for the summary and the results files. */
    public static final long RESERVE_S = 20;

    private final long totalS;
    private final long nominalS;
    private final LongSupplier nanos;
    private final long startNanos;

    /**
     * @param totalS   seconds for the whole check, from now
     * @param nominalS the budget the steps' wanted times are written for (the default {@code --budget})
     * @param nanos    the clock ({@code System::nanoTime}; tests pass their own)
     */
    public Budget(long totalS, long nominalS, LongSupplier nanos) {
        if (totalS < 0 || nominalS <= 0) {
            throw new IllegalArgumentException("budget " + totalS + " s, nominal " + nominalS + " s: expected total >= 0"
                    + " and nominal > 0");
        }
        this.totalS = totalS;
        this.nominalS = nominalS;
        this.nanos = nanos;
        this.startNanos = nanos.getAsLong();
    }

    /** The whole check's seconds. */
    public long total() {
        return totalS;
    }

    /** Whole seconds since the start. */
    public long elapsed() {
        return (nanos.getAsLong() - startNanos) / 1_000_000_000L;
    }

    /** Seconds left of the budget (negative once it is spent). */
    public long left() {
        return totalS - elapsed();
    }

    /** {@code want} scaled by the budget: {@code want * total / nominal} when {@code total > nominal}, else {@code want}. */
    public long scaled(long want) {
        return totalS > nominalS ? want * totalS / nominalS : want;
    }

    /**
     * The time limit of a step that wants {@code want} seconds and needs at least {@code min}: as the class comment
     * says, or empty when fewer than {@code min} seconds are left for it.
     */
    public OptionalLong limit(long want, long min) {
        long t = Math.min(scaled(want), left() - RESERVE_S);
        return t < min ? OptionalLong.empty() : OptionalLong.of(t);
    }

    /** The line a step that got no time records: how much was left and how much it needed. */
    public String notRunReason(long min) {
        return "no time left in the budget: " + Math.max(0, left() - RESERVE_S) + " s left, the step needs at least " + min + " s";
    }
}
