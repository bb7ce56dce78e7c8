package liftnet.cuda;

import static org.lwjgl.cuda.CU.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES;
import static org.lwjgl.cuda.CU.CU_STREAM_NON_BLOCKING;
import static org.lwjgl.cuda.CU.cuEventRecord;
import static org.lwjgl.cuda.CU.cuFuncSetAttribute;
import static org.lwjgl.cuda.CU.cuLaunchKernel;
import static org.lwjgl.cuda.CU.cuMemAlloc;
import static org.lwjgl.cuda.CU.cuMemcpyDtoDAsync;
import static org.lwjgl.cuda.CU.cuMemcpyDtoHAsync;
import static org.lwjgl.cuda.CU.cuMemcpyHtoDAsync;
import static org.lwjgl.cuda.CU.cuMemsetD32Async;
import static org.lwjgl.cuda.CU.cuStreamCreate;
import static org.lwjgl.cuda.CU.cuStreamDestroy;
import static org.lwjgl.cuda.CU.cuStreamSynchronize;

import java.nio.ByteBuffer;
import liftnet.api.DeviceInfo;
import liftnet.api.EngineException;
import liftnet.gpu.GpuBuffer;
import liftnet.gpu.GpuDevice;
import liftnet.gpu.GpuKernel;
import liftnet.gpu.KernelBuildException;
import liftnet.gpu.KernelSource;
import liftnet.gpu.SyncLaunches;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/**
 * One CUDA device as an engine uses it: its own stream, on the device's primary context and kernel modules,
 * which every engine of the JVM on that device shares ({@link CudaContext}: retained and JIT-compiled once,
 * kept until the JVM exits; tests and tools open many small engines). The modules hold one kernel file of
 * {@link KernelSource#MODULES} each, from the PTX the build put in the jar ({@link PtxBuilder}, two flavours)
 * or, where the jar has none, compiled at run time by NVRTC ({@link CudaNvrtc}).
 *
 * <p>The context is made current on the calling thread by every method, so an engine may be created on one
 * thread and driven from another (one at a time). With {@link SyncLaunches} on, every launch is waited for
 * and a fault names the kernel, grid and block.
 */
public final class CudaDevice implements GpuDevice {

    private static final System.Logger LOG = System.getLogger(CudaDevice.class.getName());

    private final CudaContext shared;
    private final boolean syncLaunches;
    private long stream;

    /**
     * Opens CUDA device {@code index}: the shared context and kernels (on first use in this JVM), and a stream.
     *
     * @throws EngineException      when the device cannot be opened or no kernel code is available
     * @throws KernelBuildException when no PTX flavour JIT-compiles or NVRTC fails; with the logs
     */
    public CudaDevice(int index) {
        shared = CudaContext.of(index, CudaRuntime.PROBE.device(index));
        syncLaunches = SyncLaunches.enabled();
        shared.makeCurrent();
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer s = stack.mallocPointer(1);
            // Non-blocking: the engine's stream never waits for (nor makes wait) work on the legacy default stream of
            // another library or engine in the process; everything of the engine is ordered on this one stream.
            CudaCheck.check(cuStreamCreate(s, CU_STREAM_NON_BLOCKING), "cuStreamCreate(CU_STREAM_NON_BLOCKING)");
            stream = s.get(0);
        }
    }

    /** Primary contexts retained in this JVM: one per CUDA device used, however many engines were opened. */
    public static int contextRetains() {
        return CudaContext.contextRetains();
    }

    /** Kernel modules loaded (PTX JIT-compiled) in this JVM: {@code KernelSource.MODULES.size()} per device used. */
    public static int moduleLoads() {
        return CudaContext.moduleLoads();
    }

    /** Where this device's kernels came from, e.g. {@code PTX, native flavour (ISA 9.0)} or {@code PTX, compat flavour (ISA 7.8)}. */
    public String kernelOrigin() {
        return shared.origin();
    }

    /**
     * Checks that a block of {@code kernel} fits the device's shared memory: {@code staticBytes + dynamicBytes <= limit}.
     *
     * @throws EngineException naming the kernel, both amounts and the limit, otherwise
     */
    static void checkSharedMemory(String kernel, int staticBytes, int dynamicBytes, int limit, String device) {
        long total = (long) staticBytes + dynamicBytes;
        if (total > limit) {
            throw new EngineException("CUDA: kernel " + kernel + " needs " + total + " bytes of shared memory per block ("
                    + staticBytes + " static + " + dynamicBytes + " dynamic); " + device + " allows " + limit
                    + " (MAX_SHARED_MEMORY_PER_BLOCK_OPTIN); use a narrower net or the layered solver path");
        }
    }

    void makeCurrent() {
        shared.makeCurrent();
    }

    boolean makeCurrentQuietly() {
        int status = shared.makeCurrentStatus();
        if (status != 0 && CudaCheck.fault() != null) {
            return false; // reported once, when the fault happened: nothing to free on a corrupt context
        }
        if (status != 0) {
            LOG.log(System.Logger.Level.WARNING, "cuCtxSetCurrent failed: " + CudaCheck.describe(status));
            return false;
        }
        return true;
    }

    @Override
    public DeviceInfo info() {
        return shared.info();
    }

    @Override
    public GpuBuffer allocate(long bytes) {
        makeCurrent();
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer p = stack.mallocPointer(1);
            CudaCheck.check(cuMemAlloc(p, bytes), "cuMemAlloc(" + bytes + " bytes)");
            return new CudaBuffer(this, p.get(0), bytes);
        }
    }

    @Override
    public GpuKernel kernel(String name) {
        return shared.kernel(name);
    }

    @Override
    public void launch(GpuKernel kernel, int groupsX, int groupsY, int localX, int localY, int dynLocalBytes, Object... args) {
        CudaKernel k = (CudaKernel) kernel;
        makeCurrent();
        checkSharedMemory(k.name(), k.staticShared(), dynLocalBytes, shared.sharedOptin(), shared.info().name());
        // The kernel (CUfunction) is shared by every engine on the device in this JVM: the limit's check, its raise
        // and the launch that relies on it happen under the kernel's lock, so another engine cannot interleave (and
        // the limit only ever grows, so no engine lowers it under another's launch).
        synchronized (k) {
            if (dynLocalBytes > k.dynamicSharedLimit()) {
                CudaCheck.check(cuFuncSetAttribute(k.function(), CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, dynLocalBytes),
                        "cuFuncSetAttribute(" + k.name() + ", MAX_DYNAMIC_SHARED_SIZE_BYTES, " + dynLocalBytes + ")");
                k.raiseDynamicSharedLimit(dynLocalBytes);
            }
            enqueue(k, groupsX, groupsY, localX, localY, dynLocalBytes, args);
        }
        if (syncLaunches) {
            int status = cuStreamSynchronize(stream);
            if (status != 0) {
                throw new EngineException("CUDA: " + SyncLaunches.describe(k.name(), groupsX, groupsY, localX, localY, dynLocalBytes)
                        + " failed: " + CudaCheck.describe(status) + " (" + SyncLaunches.PROPERTY + " is on: the launch was waited for)");
            }
        }
    }

    private void enqueue(CudaKernel k, int groupsX, int groupsY, int localX, int localY, int dynLocalBytes, Object... args) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer params = stack.mallocPointer(args.length);
            for (int i = 0; i < args.length; i++) {
                Object arg = args[i];
                long address;
                if (arg instanceof CudaBuffer b) {
                    address = MemoryUtil.memAddress(stack.longs(b.ptr()));
                } else if (arg instanceof Integer v) {
                    address = MemoryUtil.memAddress(stack.ints(v));
                } else if (arg instanceof Float v) {
                    address = MemoryUtil.memAddress(stack.floats(v));
                } else {
                    throw new IllegalArgumentException(k.name() + " argument " + i + ": unsupported type " + (arg == null ? "null" : arg.getClass()));
                }
                params.put(i, address);
            }
            CudaCheck.check(cuLaunchKernel(k.function(), groupsX, groupsY, 1, localX, localY, 1, dynLocalBytes, stream, params, null),
                    "cuLaunchKernel(" + SyncLaunches.describe(k.name(), groupsX, groupsY, localX, localY, dynLocalBytes) + ")");
        }
    }

    /** CUDA events need no set-up: timing is always available. */
    @Override
    public boolean enableTiming() {
        return true;
    }

    /** {@link #launch} between two events recorded on the stream. */
    @Override
    public TimedLaunch launchTimed(GpuKernel kernel, int groupsX, int groupsY, int localX, int localY, int dynLocalBytes,
                                   Object... args) {
        makeCurrent();
        CudaTimedLaunch t = new CudaTimedLaunch(this, CudaTimedLaunch.event(), CudaTimedLaunch.event());
        try {
            CudaCheck.check(cuEventRecord(t.start(), stream), "cuEventRecord");
            launch(kernel, groupsX, groupsY, localX, localY, dynLocalBytes, args);
            CudaCheck.check(cuEventRecord(t.end(), stream), "cuEventRecord");
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /** A {@link CudaGraph} of the launches {@code issue} makes (stream capture). */
    @Override
    public Replay record(Runnable issue) {
        return CudaGraph.capture(this, issue);
    }

    /** The stream launches go to (for {@link CudaGraph} capture). */
    long stream() {
        return stream;
    }

    @Override
    public void write(GpuBuffer dst, long offset, ByteBuffer src) {
        makeCurrent();
        // From pageable memory the driver stages the data before returning, so src may be freed afterwards.
        CudaCheck.check(cuMemcpyHtoDAsync(((CudaBuffer) dst).ptr() + offset, src, stream), "cuMemcpyHtoDAsync(" + src.remaining() + " bytes)");
    }

    @Override
    public void read(GpuBuffer src, long offset, ByteBuffer dst) {
        makeCurrent();
        CudaCheck.check(cuMemcpyDtoHAsync(dst, ((CudaBuffer) src).ptr() + offset, stream), "cuMemcpyDtoHAsync(" + dst.remaining() + " bytes)");
        CudaCheck.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    @Override
    public void copy(GpuBuffer src, long srcOffset, GpuBuffer dst, long dstOffset, long bytes) {
        makeCurrent();
        CudaCheck.check(cuMemcpyDtoDAsync(((CudaBuffer) dst).ptr() + dstOffset, ((CudaBuffer) src).ptr() + srcOffset, bytes, stream),
                "cuMemcpyDtoDAsync(" + bytes + " bytes)");
    }

    @Override
    public void zero(GpuBuffer dst, long offset, long bytes) {
        makeCurrent();
        CudaCheck.check(cuMemsetD32Async(((CudaBuffer) dst).ptr() + offset, 0, bytes / 4, stream), "cuMemsetD32Async(" + bytes + " bytes)");
    }

    @Override
    public void finish() {
        makeCurrent();
        CudaCheck.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    @Override
    public int maxWorkGroupSize() {
        return shared.maxThreads();
    }

    @Override
    public long localMemoryBytes() {
        return shared.sharedOptin();
    }

    /** Waits for and destroys this engine's stream; the shared context and kernels stay for the JVM's other engines. */
    @Override
    public void close() {
        if (stream != 0 && makeCurrentQuietly()) {
            logIfFailed(cuStreamSynchronize(stream), "cuStreamSynchronize");
            logIfFailed(cuStreamDestroy(stream), "cuStreamDestroy");
        }
        stream = 0;
    }

    private static void logIfFailed(int status, String call) {
        if (status != 0) {
            LOG.log(System.Logger.Level.WARNING, "CUDA: " + call + " failed: " + CudaCheck.describe(status));
        }
    }
}
