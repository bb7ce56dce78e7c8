package liftnet.gpu;

import java.nio.ByteBuffer;
import liftnet.api.DeviceInfo;

/**
 * The little a {@link GpuEngine} needs from a compute API: memory, compiled kernels, launches, copies. One
 * in-order queue (OpenCL) or stream (CUDA): operations run in the order they are issued; reads block until
 * the data is on the host. Implemented by {@code liftnet.opencl.OclDevice} and {@code liftnet.cuda.CudaDevice}.
 *
 * <p>Launch geometry is given in work-groups (CUDA blocks) and work-group size, both two-dimensional:
 * OpenCL's global size is {@code groups * local}. Kernel arguments are {@link GpuBuffer}, {@link Integer}
 * (int) or {@link Float} (float), in the order of the kernel's parameters. Kernels that declare dynamic local
 * memory ({@code DYN_LOCAL_PARAM} in the source) get {@code dynLocalBytes} of it: as an extra last argument in
 * OpenCL, as dynamic shared memory in CUDA; other kernels get 0.
 */
public interface GpuDevice extends AutoCloseable {

    /** What the device is. */
    DeviceInfo info();

    /** Allocates {@code bytes} (at least 1) of device memory, contents undefined. */
    GpuBuffer allocate(long bytes);

    /** The kernel named {@code name} of the device's program. */
    GpuKernel kernel(String name);

    /** Enqueues {@code kernel} on a {@code groupsX x groupsY} grid of {@code localX x localY} work-groups. */
    void launch(GpuKernel kernel, int groupsX, int groupsY, int localX, int localY, int dynLocalBytes, Object... args);

    /** Copies {@code src}'s remaining bytes to {@code dst} at byte offset {@code offset}. */
    void write(GpuBuffer dst, long offset, ByteBuffer src);

    /** Copies {@code dst.remaining()} bytes from {@code src} at byte offset {@code offset}; blocks until done. */
    void read(GpuBuffer src, long offset, ByteBuffer dst);

    /** Device-side copy of {@code bytes} bytes. */
    void copy(GpuBuffer src, long srcOffset, GpuBuffer dst, long dstOffset, long bytes);

    /** Sets {@code bytes} bytes (a multiple of 4) from byte offset {@code offset} to zero. */
    void zero(GpuBuffer dst, long offset, long bytes);

    /** Blocks until everything issued has finished. */
    void finish();

    /** Largest work-group size of a one-dimensional launch. */
    int maxWorkGroupSize();

    /** Local (shared) memory a work-group may use, in bytes, static tiles included. */
    long localMemoryBytes();

    /**
     * Turns on device timing of launches ({@link #launchTimed}): OpenCL profiling events, CUDA events. Call it
     * with nothing in flight.
     *
     * @return whether the device keeps timers; without them {@link #launchTimed} returns {@code null}
     */
    default boolean enableTiming() {
        return false;
    }

    /** {@link #launch}, and a handle to its device time once timing is on ({@code null} otherwise). */
    default TimedLaunch launchTimed(GpuKernel kernel, int groupsX, int groupsY, int localX, int localY, int dynLocalBytes,
                                    Object... args) {
        launch(kernel, groupsX, groupsY, localX, localY, dynLocalBytes, args);
        return null;
    }

    /**
     * Like {@link #write}, but may return before the copy is done: {@code src} must stay unchanged until the next
     * {@link #read} or {@link #finish}.
     */
    default void writeAsync(GpuBuffer dst, long offset, ByteBuffer src) {
        write(dst, offset, src);
    }

    /**
     * Records the launches {@code issue} makes as one replayable unit (a CUDA graph), where the device has such a
     * thing; nothing recorded runs until {@link Replay#launch()}. Only launches may be issued inside.
     *
     * @return the recording, or {@code null} (then nothing was issued: the caller launches as usual)
     */
    default Replay record(Runnable issue) {
        return null;
    }

    /** Launches recorded once and replayed as a unit. */
    interface Replay extends AutoCloseable {

        /** Enqueues the recorded launches. */
        void launch();

        /** Frees the recording; logs instead of throwing. */
        @Override
        void close();
    }

    /** The device time of one launch. */
    interface TimedLaunch extends AutoCloseable {

        /** Nanoseconds the launch ran on the device; blocks until it has run. */
        long nanos();

        /** Frees the events; logs instead of throwing. */
        @Override
        void close();
    }

    /** Frees the program, queue and context; logs instead of throwing. */
    @Override
    void close();
}
