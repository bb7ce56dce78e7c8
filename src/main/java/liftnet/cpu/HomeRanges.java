package liftnet.cpu;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Items {@code 0..n-1} split evenly, in order, into one home range per worker. A worker claims from its own
 * range first and then from the others': on a quiet machine item {@code i} of successive jobs goes to the
 * same core (its data stays in that core's cache), and when another process takes a core away the others
 * finish its share instead of waiting for it. Safe for concurrent use.
 */
final class HomeRanges {

    /** Ints between two ranges' counters, so that they sit on different cache lines. */
    private static final int SPACING = 16;

    private final int items;
    private final int ranges;
    /** Per range, {@link #SPACING} apart: the next unclaimed item (may run past the range's end). */
    private final AtomicIntegerArray next;

    HomeRanges(int items, int ranges) {
        this.items = items;
        this.ranges = ranges;
        this.next = new AtomicIntegerArray(ranges * SPACING);
        for (int r = 0; r < ranges; r++) {
            next.set(r * SPACING, from(r));
        }
    }

    /** First item of range {@code r} (and the end of range {@code r - 1}). */
    private int from(int r) {
        return (int) ((long) items * r / ranges);
    }

    /** Claims an unclaimed item for {@code worker}, its own range's first, or returns -1 when none is left. */
    int claim(int worker) {
        for (int i = 0; i < ranges; i++) {
            int r = (worker + i) % ranges;
            int item = next.getAndIncrement(r * SPACING);
            if (item < from(r + 1)) {
                return item;
            }
        }
        return -1;
    }
}
