package liftnet.cuda;

import static org.lwjgl.cuda.CU.CUDA_ERROR_INVALID_IMAGE;
import static org.lwjgl.cuda.CU.CUDA_ERROR_INVALID_PTX;
import static org.lwjgl.cuda.CU.CUDA_ERROR_NOT_FOUND;
import static org.lwjgl.cuda.CU.CUDA_ERROR_NO_BINARY_FOR_GPU;
import static org.lwjgl.cuda.CU.CUDA_ERROR_UNSUPPORTED_PTX_VERSION;
import static org.lwjgl.cuda.CU.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static org.lwjgl.cuda.CU.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static org.lwjgl.cuda.CU.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN;
import static org.lwjgl.cuda.CU.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK;
import static org.lwjgl.cuda.CU.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES;
import static org.lwjgl.cuda.CU.CU_JIT_ERROR_LOG_BUFFER;
import static org.lwjgl.cuda.CU.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES;
import static org.lwjgl.cuda.CU.cuCtxSetCurrent;
import static org.lwjgl.cuda.CU.cuDeviceGet;
import static org.lwjgl.cuda.CU.cuDeviceGetAttribute;
import static org.lwjgl.cuda.CU.cuDevicePrimaryCtxRetain;
import static org.lwjgl.cuda.CU.cuFuncGetAttribute;
import static org.lwjgl.cuda.CU.cuModuleGetFunction;
import static org.lwjgl.cuda.CU.cuModuleLoadDataEx;
import static org.lwjgl.cuda.CU.cuModuleUnload;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import liftnet.api.DeviceInfo;
import liftnet.api.EngineException;
import liftnet.gpu.KernelBuildException;
import liftnet.gpu.KernelSource;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/**
 * What every engine on one CUDA device shares for the JVM's lifetime: the device's primary context, retained
 * once and never released (the driver frees it at exit), and one module per kernel file of
 * {@link KernelSource#MODULES}, JIT-compiled once. Engines keep only their own stream ({@link CudaDevice}).
 *
 * <p>The PTX comes from the jar in two flavours ({@link PtxBuilder.Flavour}): the native one first, and the one
 * declaring an older ISA when the driver refuses the first ({@code CUDA_ERROR_UNSUPPORTED_PTX_VERSION}) or its
 * JIT compiler fails ({@link #RETRY_STATUSES}). {@value #PTX_PROPERTY} forces one flavour ({@code native},
 * {@code compat}; default {@code auto}). Without PTX in the jar NVRTC compiles the kernels at run time.
 */
final class CudaContext {

    /** System property choosing the PTX flavour: {@code auto} (default), {@code native} or {@code compat}. */
    static final String PTX_PROPERTY = "liftnet.cuda.ptx";

    /** Module load failures after which the other PTX flavour is tried. */
    static final Set<Integer> RETRY_STATUSES = Set.of(CUDA_ERROR_UNSUPPORTED_PTX_VERSION, CUDA_ERROR_INVALID_PTX,
            CUDA_ERROR_INVALID_IMAGE, CUDA_ERROR_NO_BINARY_FOR_GPU);

    private static final Map<Integer, CudaContext> OPEN = new HashMap<>();
    private static final AtomicInteger CONTEXT_RETAINS = new AtomicInteger();
    private static final AtomicInteger MODULE_LOADS = new AtomicInteger();

    private final DeviceInfo info;
    private final int device;
    private final long context;
    private final List<Long> modules;
    private final String origin;
    private final Map<String, CudaKernel> kernels = new HashMap<>();
    private final int maxThreads;
    private final int sharedOptin;

    private CudaContext(DeviceInfo info, int device, long context, List<Long> modules, String origin, int maxThreads, int sharedOptin) {
        this.info = info;
        this.device = device;
        this.context = context;
        this.modules = modules;
        this.origin = origin;
        this.maxThreads = maxThreads;
        this.sharedOptin = sharedOptin;
    }

    /** Primary contexts retained in this JVM (one per device used). */
    static int contextRetains() {
        return CONTEXT_RETAINS.get();
    }

    /** Successful module loads (JIT compilations) in this JVM. */
    static int moduleLoads() {
        return MODULE_LOADS.get();
    }

    /**
     * The shared context of CUDA device {@code index}, opened on first use.
     *
     * @throws EngineException      when the device cannot be opened
     * @throws KernelBuildException when no PTX flavour loads (with each flavour's JIT log) or NVRTC fails
     */
    static synchronized CudaContext of(int index, DeviceInfo info) {
        CudaCheck.requireUsable();
        CudaContext c = OPEN.get(index);
        if (c == null) {
            c = open(index, info);
            OPEN.put(index, c);
        }
        return c;
    }

    private static CudaContext open(int index, DeviceInfo info) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer dev = stack.mallocInt(1);
            CudaCheck.check(cuDeviceGet(dev, index), "cuDeviceGet(" + index + ")");
            int device = dev.get(0);
            PointerBuffer ctx = stack.mallocPointer(1);
            CudaCheck.check(cuDevicePrimaryCtxRetain(ctx, device), "cuDevicePrimaryCtxRetain");
            CONTEXT_RETAINS.incrementAndGet();
            long context = ctx.get(0);
            CudaCheck.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
            int arch = 10 * attribute(device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)
                    + attribute(device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
            List<Long> modules = new ArrayList<>();
            String origin = loadModules(info, arch, modules);
            return new CudaContext(info, device, context, List.copyOf(modules), origin,
                    attribute(device, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK),
                    attribute(device, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN));
        }
    }

    /** The flavours to try, in order, as {@value #PTX_PROPERTY} says. */
    static List<PtxBuilder.Flavour> flavours(String setting) {
        String s = setting == null ? "auto" : setting.strip().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "auto", "" -> List.of(PtxBuilder.Flavour.NATIVE, PtxBuilder.Flavour.COMPAT);
            case "native" -> List.of(PtxBuilder.Flavour.NATIVE);
            case "compat" -> List.of(PtxBuilder.Flavour.COMPAT);
            default -> throw new EngineException("-D" + PTX_PROPERTY + "=" + setting + " is not auto, native or compat");
        };
    }

    /** Loads every module into the current context; returns where the code came from. */
    private static String loadModules(DeviceInfo info, int arch, List<Long> modules) {
        List<String> failures = new ArrayList<>();
        KernelBuildException last = null;
        for (PtxBuilder.Flavour flavour : flavours(System.getProperty(PTX_PROPERTY))) {
            if (PtxBuilder.bundledPtx(KernelSource.moduleName(KernelSource.MODULES.get(0)), flavour) == null) {
                failures.add(flavour + ": not in the jar");
                continue;
            }
            try {
                for (String file : KernelSource.MODULES) {
                    String module = KernelSource.moduleName(file);
                    byte[] ptx = PtxBuilder.bundledPtx(module, flavour);
                    if (ptx == null) {
                        throw new EngineException("CUDA: " + PtxBuilder.resource(module, flavour) + " is missing from the jar");
                    }
                    modules.add(load(ptx, "PTX " + PtxBuilder.resource(module, flavour) + " on " + info.name()));
                }
                return "PTX, " + flavour.name().toLowerCase(Locale.ROOT) + " flavour (ISA "
                        + PtxBuilder.isa(new String(PtxBuilder.bundledPtx(KernelSource.moduleName(KernelSource.MODULES.get(0)), flavour),
                        java.nio.charset.StandardCharsets.US_ASCII)) + ")";
            } catch (LoadFailure f) {
                unloadAll(modules);
                last = f.error;
                failures.add(flavour + ": " + f.error.getMessage());
                if (!RETRY_STATUSES.contains(f.status)) {
                    throw f.error;
                }
            }
        }
        if (last != null) {
            throw new KernelBuildException("CUDA kernels on " + info.name(), "no PTX flavour loads", String.join("\n", failures));
        }
        for (String file : KernelSource.MODULES) {
            try {
                modules.add(load(CudaNvrtc.compile(KernelSource.cudaModule(file), arch), "NVRTC output for " + file + " on " + info.name()));
            } catch (LoadFailure f) {
                unloadAll(modules);
                throw f.error;
            }
        }
        return "NVRTC (no PTX in the jar: " + String.join("; ", failures) + ")";
    }

    /** A failed {@code cuModuleLoadDataEx}: its status and the exception that reports it. */
    private static final class LoadFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient KernelBuildException error;
        final int status;

        LoadFailure(KernelBuildException error, int status) {
            super(error.getMessage(), error, false, false);
            this.error = error;
            this.status = status;
        }
    }

    private static long load(byte[] ptx, String what) {
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
                throw new LoadFailure(new KernelBuildException(what, "cuModuleLoadDataEx: " + CudaCheck.describe(status),
                        MemoryUtil.memASCII(MemoryUtil.memAddress(log))), status);
            }
            MODULE_LOADS.incrementAndGet();
            return mod.get(0);
        } finally {
            MemoryUtil.memFree(image);
            MemoryUtil.memFree(log);
        }
    }

    private static void unloadAll(List<Long> modules) {
        for (long m : modules) {
            int status = cuModuleUnload(m);
            if (status != 0) {
                System.getLogger(CudaContext.class.getName()).log(System.Logger.Level.WARNING,
                        "CUDA: cuModuleUnload failed: " + CudaCheck.describe(status));
            }
        }
        modules.clear();
    }

    private static int attribute(int device, int attr) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer v = stack.mallocInt(1);
            CudaCheck.check(cuDeviceGetAttribute(v, attr, device), "cuDeviceGetAttribute(" + attr + ")");
            return v.get(0);
        }
    }

    DeviceInfo info() {
        return info;
    }

    /** Where the kernels came from, e.g. {@code PTX, native flavour (ISA 9.0)}. */
    String origin() {
        return origin;
    }

    int maxThreads() {
        return maxThreads;
    }

    /** Shared memory a block may use with opt-in ({@code MAX_SHARED_MEMORY_PER_BLOCK_OPTIN}), static included. */
    int sharedOptin() {
        return sharedOptin;
    }

    /** Makes the context current; refuses once a sticky fault corrupted it ({@link CudaCheck#requireUsable()}). */
    void makeCurrent() {
        CudaCheck.requireUsable();
        CudaCheck.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /**
     * {@code cuCtxSetCurrent}'s status, for paths that must not throw (cleanup); after a sticky fault it reports
     * that fault's status without touching the context, so cleanup skips the driver calls that would fail anyway.
     */
    int makeCurrentStatus() {
        if (CudaCheck.fault() != null) {
            return org.lwjgl.cuda.CU.CUDA_ERROR_ILLEGAL_ADDRESS;
        }
        return cuCtxSetCurrent(context);
    }

    /** The kernel {@code name} of one of the modules, looked up once. */
    synchronized CudaKernel kernel(String name) {
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
                    long function = f.get(0);
                    IntBuffer shared = stack.mallocInt(1);
                    CudaCheck.check(cuFuncGetAttribute(shared, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, function),
                            "cuFuncGetAttribute(" + name + ", SHARED_SIZE_BYTES)");
                    k = new CudaKernel(name, function, shared.get(0));
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

    int device() {
        return device;
    }
}
