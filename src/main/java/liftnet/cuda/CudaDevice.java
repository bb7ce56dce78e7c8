package liftnet.cuda;

import static org.lwjgl.cuda.CU.CUDA_ERROR_NOT_FOUND;
import static org.lwjgl.cuda.CU.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static org.lwjgl.cuda.CU.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static org.lwjgl.cuda.CU.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN;
import static org.lwjgl.cuda.CU.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK;
import static org.lwjgl.cuda.CU.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES;
import static org.lwjgl.cuda.CU.CU_JIT_ERROR_LOG_BUFFER;
import static org.lwjgl.cuda.CU.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES;
import static org.lwjgl.cuda.CU.cuCtxSetCurrent;
import static org.lwjgl.cuda.CU.cuDeviceGet;
import static org.lwjgl.cuda.CU.cuEventRecord;
import static org.lwjgl.cuda.CU.cuDeviceGetAttribute;
import static org.lwjgl.cuda.CU.cuDevicePrimaryCtxRelease;
import static org.lwjgl.cuda.CU.cuDevicePrimaryCtxRetain;
import static org.lwjgl.cuda.CU.cuFuncSetAttribute;
import static org.lwjgl.cuda.CU.cuLaunchKernel;
import static org.lwjgl.cuda.CU.cuMemAlloc;
import static org.lwjgl.cuda.CU.cuMemcpyDtoDAsync;
import static org.lwjgl.cuda.CU.cuMemcpyDtoHAsync;
import static org.lwjgl.cuda.CU.cuMemcpyHtoDAsync;
import static org.lwjgl.cuda.CU.cuMemsetD32Async;
import static org.lwjgl.cuda.CU.cuModuleGetFunction;
import static org.lwjgl.cuda.CU.cuModuleLoadDataEx;
import static org.lwjgl.cuda.CU.cuModuleUnload;
import static org.lwjgl.cuda.CU.cuStreamCreate;
import static org.lwjgl.cuda.CU.cuStreamDestroy;
import static org.lwjgl.cuda.CU.cuStreamSynchronize;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import liftnet.api.DeviceInfo;
import liftnet.api.EngineException;
import liftnet.gpu.GpuBuffer;
import liftnet.gpu.GpuDevice;
import liftnet.gpu.GpuKernel;
import liftnet.gpu.KernelBuildException;
import liftnet.gpu.KernelSource;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/**
 * One CUDA device through the driver API: its primary context, one stream, and one module per kernel
 * file of {@link KernelSource#MODULES}, loaded from the PTX the build put in the jar ({@link PtxBuilder}) or,
 * where the jar has none, compiled at run time by NVRTC ({@link CudaNvrtc}).
 *
 * <p>The context is made current on the calling thread by every method, so an engine may be created on one
 * thread and driven from another (one at a time).
 */
public final class CudaDevice implements GpuDevice {

    private static final System.Logger LOG = System.getLogger(CudaDevice.class.getName());
    private static final int STATIC_SHARED_LIMIT = 48 * 1024;

    private final DeviceInfo info;
    private final int device;
    private long context;
    private long stream;
    private final List<Long> modules = new ArrayList<>();
    private final Map<String, CudaKernel> kernels = new HashMap<>();
    private final int maxThreads;
    private final int sharedOptin;

    /**
     * Opens CUDA device {@code index} and loads the kernels.
     *
     * @throws EngineException      when the device cannot be opened or no kernel code is available
     * @throws KernelBuildException when the PTX does not JIT-compile or NVRTC fails; with the log
     */
    public CudaDevice(int index) {
        List<DeviceInfo> devices = CudaRuntime.devices();
        if (index < 0 || index >= devices.size()) {
            throw new EngineException("no CUDA device " + index + "; found " + devices.size()
                    + (devices.isEmpty() ? " (" + CudaRuntime.problem() + ")" : ": " + devices));
        }
        info = devices.get(index);
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer dev = stack.mallocInt(1);
            CudaCheck.check(cuDeviceGet(dev, index), "cuDeviceGet(" + index + ")");
            device = dev.get(0);
            maxThreads = attribute(CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
            sharedOptin = attribute(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
            PointerBuffer ctx = stack.mallocPointer(1);
            CudaCheck.check(cuDevicePrimaryCtxRetain(ctx, device), "cuDevicePrimaryCtxRetain");
            context = ctx.get(0);
            makeCurrent();
            PointerBuffer s = stack.mallocPointer(1);
            CudaCheck.check(cuStreamCreate(s, 0), "cuStreamCreate");
            stream = s.get(0);
            int arch = 10 * attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR) + attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
            for (String file : KernelSource.MODULES) {
                modules.add(loadModule(file, arch));
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private int attribute(int attr) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer v = stack.mallocInt(1);
            CudaCheck.check(cuDeviceGetAttribute(v, attr, device), "cuDeviceGetAttribute(" + attr + ")");
            return v.get(0);
        }
    }

    private long loadModule(String file, int arch) {
        String module = KernelSource.moduleName(file);
        byte[] ptx = PtxBuilder.bundledPtx(module);
        String origin = "PTX " + PtxBuilder.resource(module) + " (built by nvcc)";
        if (ptx == null) {
            ptx = CudaNvrtc.compile(KernelSource.cudaModule(file), arch);
            origin = "NVRTC output for " + file;
        }
        ByteBuffer image = MemoryUtil.memAlloc(ptx.length + 1);
        ByteBuffer log = MemoryUtil.memCalloc(16 * 1024);
        try (MemoryStack stack = MemoryStack.stackPush()) {
            image.put(ptx).put((byte) 0).flip();
            IntBuffer options = stack.ints(CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
            PointerBuffer values = stack.mallocPointer(2);
            values.put(0, MemoryUtil.memAddress(log)).put(1, log.capacity());
            PointerBuffer mod = stack.mallocPointer(1);
            int status = cuModuleLoadDataEx(mod, image, options, values);
            if (status != 0) {
                throw new KernelBuildException(origin + " on " + info.name(), "cuModuleLoadDataEx: " + CudaCheck.describe(status),
                        MemoryUtil.memASCII(MemoryUtil.memAddress(log)));
            }
            return mod.get(0);
        } finally {
            MemoryUtil.memFree(image);
            MemoryUtil.memFree(log);
        }
    }

    void makeCurrent() {
        CudaCheck.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    boolean makeCurrentQuietly() {
        if (context == 0) {
            return false;
        }
        int status = cuCtxSetCurrent(context);
        if (status != 0) {
            LOG.log(System.Logger.Level.WARNING, "cuCtxSetCurrent failed: " + CudaCheck.describe(status));
            return false;
        }
        return true;
    }

    @Override
    public DeviceInfo info() {
        return info;
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
        CudaKernel k = kernels.get(name);
        if (k != null) {
            return k;
        }
        makeCurrent();
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer f = stack.mallocPointer(1);
            for (long module : modules) {
                int status = cuModuleGetFunction(f, module, name);
                if (status == 0) {
                    k = new CudaKernel(name, f.get(0));
                    kernels.put(name, k);
                    return k;
                }
                if (status != CUDA_ERROR_NOT_FOUND) {
                    CudaCheck.check(status, "cuModuleGetFunction(" + name + ")");
                }
            }
        }
        throw new EngineException("CUDA: no kernel '" + name + "' in modules " + KernelSource.MODULES);
    }

    @Override
    public void launch(GpuKernel kernel, int groupsX, int groupsY, int localX, int localY, int dynLocalBytes, Object... args) {
        CudaKernel k = (CudaKernel) kernel;
        makeCurrent();
        if (dynLocalBytes > STATIC_SHARED_LIMIT && dynLocalBytes > k.dynamicSharedLimit()) {
            CudaCheck.check(cuFuncSetAttribute(k.function(), CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, dynLocalBytes),
                    "cuFuncSetAttribute(" + k.name() + ", MAX_DYNAMIC_SHARED_SIZE_BYTES, " + dynLocalBytes + ")");
            k.dynamicSharedLimit(dynLocalBytes);
        }
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
                    "cuLaunchKernel(" + k.name() + ", grid " + groupsX + "x" + groupsY + ", block " + localX + "x" + localY
                            + ", shared " + dynLocalBytes + ")");
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
        return maxThreads;
    }

    @Override
    public long localMemoryBytes() {
        return sharedOptin;
    }

    @Override
    public void close() {
        if (context == 0) {
            return;
        }
        if (makeCurrentQuietly()) {
            if (stream != 0) {
                logIfFailed(cuStreamSynchronize(stream), "cuStreamSynchronize");
                logIfFailed(cuStreamDestroy(stream), "cuStreamDestroy");
                stream = 0;
            }
            for (long m : modules) {
                logIfFailed(cuModuleUnload(m), "cuModuleUnload");
            }
        }
        modules.clear();
        kernels.clear();
        logIfFailed(cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease");
        context = 0;
    }

    private static void logIfFailed(int status, String call) {
        if (status != 0) {
            LOG.log(System.Logger.Level.WARNING, "CUDA: " + call + " failed: " + CudaCheck.describe(status));
        }
    }
}
