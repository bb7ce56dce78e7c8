package liftnet.gpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.lwjgl.system.MemoryUtil;

/**
 * Per-step update constants in device memory, one row of {@link #ROW} floats per step: the learning rate of every
 * weight layer ({@code eta_k}, schedule and warm-up included), then Adam's bias corrections {@code 1 - b1^t} and
 * {@code 1 - b2^t} of the step's count {@code t}. {@code grad_update} reads the row at the element offset it is
 * passed, so the rate of each step comes from the schedule without the host waiting for anything.
 *
 * <p>Why a device-side table and not a kernel argument: an epoch's steps are recorded once (CUDA graph) and
 * replayed; a row index is part of the recording (step {@code i} of the epoch always reads row {@code i}), while
 * the row's values are rewritten each epoch by a 64-byte copy that the stream orders before the replay. A kernel
 * argument would have to be patched into every graph node before each replay; the table keeps replay a single
 * launch, and the same code serves the launches that are not recorded.
 *
 * <p>Two ways to fill it: {@link #put(int, float[])} writes a given row (the deferred steps of an epoch, row =
 * step), {@link #push(float[])} takes the next row of a ring (steps launched at once), reusing the last row while
 * the values are unchanged (constant SGD uploads nothing). Each row has its own host staging memory; a row's staging
 * memory is only rewritten after a host synchronisation since its last copy, else the table waits once
 * ({@link Launcher#finish()}): for the ring, once per {@link #RING} steps at most.
 */
final class StepRates implements AutoCloseable {

    /** Floats per row: 64 bytes, the smallest non-blocking copy PoCL handles ({@link Launcher#asyncBytes}). */
    static final int ROW = 16;
    /** Rows of the ring of {@link #push}. */
    static final int RING = 1024;

    private final Launcher l;
    private GpuBuffer buf;
    private ByteBuffer host;
    private float[][] values;
    /** {@link Launcher#syncs()} at the last copy from a row's staging memory; -1: none. */
    private long[] copiedAt;
    private int next;
    private int last = -1;

    /** Rows a layer count allows: {@code layers + 2 <= ROW}. */
    static int maxLayers() {
        return ROW - 2;
    }

    StepRates(Launcher l, int rows) {
        this.l = l;
        allocate(rows);
    }

    private void allocate(int rows) {
        buf = l.device().allocate(4L * ROW * rows);
        host = MemoryUtil.memCalloc(4 * ROW * rows);
        values = new float[rows][];
        copiedAt = new long[rows];
        Arrays.fill(copiedAt, -1);
    }

    GpuBuffer buffer() {
        return buf;
    }

    int rows() {
        return values.length;
    }

    /**
     * Makes row {@code row} hold {@code v} on the device (copied without waiting; nothing is copied when it holds
     * {@code v} already), growing the table when {@code row} is past its end (then it waits and copies the rows on
     * the device: the buffer changes, see {@link #buffer()}).
     *
     * @return the row's element offset, for {@code grad_update}
     */
    int put(int row, float[] v) {
        if (row >= values.length) {
            grow(Math.max(row + 1, 2 * values.length));
        }
        if (!Arrays.equals(values[row], v)) {
            if (copiedAt[row] == l.syncs()) {
                l.finish(); // the copy of the previous values may still read this staging memory
            }
            ByteBuffer slice = MemoryUtil.memSlice(host, 4 * ROW * row, 4 * ROW);
            for (int i = 0; i < ROW; i++) {
                slice.putFloat(4 * i, i < v.length ? v[i] : 0f);
            }
            l.writeAsync(buf, 4L * ROW * row, slice);
            values[row] = v.clone();
            copiedAt[row] = l.syncs();
        }
        return ROW * row;
    }

    /** {@link #put} into the next row of the ring, or the last row again when it holds {@code v}. */
    int push(float[] v) {
        if (last >= 0 && Arrays.equals(values[last], v)) {
            return ROW * last;
        }
        last = next;
        next = (next + 1) % values.length;
        return put(last, v);
    }

    private void grow(int rows) {
        l.finish();
        GpuBuffer oldBuf = buf;
        ByteBuffer oldHost = host;
        float[][] oldValues = values;
        allocate(rows);
        l.copy(oldBuf, 0, buf, 0, oldBuf.bytes());
        System.arraycopy(oldValues, 0, values, 0, oldValues.length);
        l.finish();
        oldBuf.close();
        MemoryUtil.memFree(oldHost);
        for (int r = 0; r < oldValues.length; r++) {
            if (values[r] != null) {
                ByteBuffer slice = MemoryUtil.memSlice(host, 4 * ROW * r, 4 * ROW);
                for (int i = 0; i < ROW; i++) {
                    slice.putFloat(4 * i, i < values[r].length ? values[r][i] : 0f);
                }
            }
        }
    }

    /** Frees the buffer and the staging memory (call with nothing in flight that reads them). */
    @Override
    public void close() {
        buf.close();
        MemoryUtil.memFree(host);
    }
}
