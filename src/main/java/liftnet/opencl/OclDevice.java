package liftnet.opencl;

import static org.lwjgl.opencl.CL10.CL_CONTEXT_PLATFORM;
import static org.lwjgl.opencl.CL10.CL_DEVICE_LOCAL_MEM_SIZE;
import static org.lwjgl.opencl.CL10.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.lwjgl.opencl.CL10.CL_MEM_READ_WRITE;
import static org.lwjgl.opencl.CL10.CL_PROGRAM_BUILD_LOG;
import static org.lwjgl.opencl.CL10.clBuildProgram;
import static org.lwjgl.opencl.CL10.clCreateBuffer;
import static org.lwjgl.opencl.CL10.clCreateCommandQueue;
import static org.lwjgl.opencl.CL10.clCreateContext;
import static org.lwjgl.opencl.CL10.clCreateKernel;
import static org.lwjgl.opencl.CL10.clCreateProgramWithSource;
import static org.lwjgl.opencl.CL10.clEnqueueCopyBuffer;
import static org.lwjgl.opencl.CL10.clEnqueueNDRangeKernel;
import static org.lwjgl.opencl.CL10.clEnqueueReadBuffer;
import static org.lwjgl.opencl.CL10.clEnqueueWriteBuffer;
import static org.lwjgl.opencl.CL10.CL_PROFILING_COMMAND_END;
import static org.lwjgl.opencl.CL10.CL_PROFILING_COMMAND_START;
import static org.lwjgl.opencl.CL10.CL_QUEUE_PROFILING_ENABLE;
import static org.lwjgl.opencl.CL10.clFinish;
import static org.lwjgl.opencl.CL10.clGetEventProfilingInfo;
import static org.lwjgl.opencl.CL10.clReleaseEvent;
import static org.lwjgl.opencl.CL10.clWaitForEvents;
import static org.lwjgl.opencl.CL10.clGetDeviceInfo;
import static org.lwjgl.opencl.CL10.clGetProgramBuildInfo;
import static org.lwjgl.opencl.CL10.clReleaseCommandQueue;
import static org.lwjgl.opencl.CL10.clReleaseContext;
import static org.lwjgl.opencl.CL10.clReleaseKernel;
import static org.lwjgl.opencl.CL10.clReleaseProgram;
import static org.lwjgl.opencl.CL10.clSetKernelArg;
import static org.lwjgl.opencl.CL10.clSetKernelArg1f;
import static org.lwjgl.opencl.CL10.clSetKernelArg1i;
import static org.lwjgl.opencl.CL10.clSetKernelArg1p;
import static org.lwjgl.opencl.CL12.clEnqueueFillBuffer;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;
import liftnet.api.DeviceInfo;
import liftnet.gpu.GpuBuffer;
import liftnet.gpu.GpuDevice;
import liftnet.gpu.GpuKernel;
import liftnet.gpu.KernelBuildException;
import liftnet.gpu.KernelSource;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/**
 * One OpenCL device as an engine uses it: its own in-order queue and kernel objects, on a context and
 * program shared by all engines of the JVM on that device (built once per device, source and options,
 * and kept until the JVM exits: tests and tools open many small engines).
 */
public final class OclDevice implements GpuDevice {

    private static final System.Logger LOG = System.getLogger(OclDevice.class.getName());

    private final OclRuntime.Device device;
    private final long maxWorkGroup;
    private final long localMem;
    private final long context;
    private final long program;
    private long queue;
    private boolean profiling;
    private final Map<String, OclKernel> kernels = new HashMap<>();
    private final boolean syncLaunches = liftnet.gpu.SyncLaunches.enabled();

    /**
     * Opens device {@code index} of {@link OclRuntime#devices()} and builds the kernels with {@code options}
     * (e.g. {@code ""}, or {@code "-Werror"} in tests).
     *
     * @throws liftnet.api.EngineException when the device cannot be opened
     * @throws KernelBuildException        when the program does not build; the message holds the build log
     */
    public OclDevice(int index, KernelSource source, String options) {
        this.device = OclRuntime.PROBE.device(index);
        try (MemoryStack stack = MemoryStack.stackPush()) {
            long d = device.device();
            PointerBuffer pb = stack.mallocPointer(1);
            OclCheck.check(clGetDeviceInfo(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, pb, null), "clGetDeviceInfo(MAX_WORK_GROUP_SIZE)");
            maxWorkGroup = pb.get(0);
            LongBuffer lb = stack.mallocLong(1);
            OclCheck.check(clGetDeviceInfo(d, CL_DEVICE_LOCAL_MEM_SIZE, lb, null), "clGetDeviceInfo(LOCAL_MEM_SIZE)");
            localMem = lb.get(0);

            Shared shared = shared(device, source.text(), options);
            context = shared.context();
            program = shared.program();
            IntBuffer err = stack.mallocInt(1);
            queue = clCreateCommandQueue(context, d, 0, err);
            OclCheck.check(err.get(0), "clCreateCommandQueue");
        }
    }

    /** A context and a built program, shared by the engines of one device. */
    private record Shared(long context, long program) {
    }

    private record Key(long device, String source, String options) {
    }

    private static final Map<Key, Shared> SHARED = new HashMap<>();

    private static synchronized Shared shared(OclRuntime.Device device, String text, String options) {
        Key key = new Key(device.device(), text, options);
        Shared s = SHARED.get(key);
        if (s != null) {
            return s;
        }
        long d = device.device();
        long context = 0;
        long program = 0;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer err = stack.mallocInt(1);
            PointerBuffer props = stack.mallocPointer(3).put(0, CL_CONTEXT_PLATFORM).put(1, device.platform()).put(2, 0);
            context = clCreateContext(props, d, null, 0, err);
            OclCheck.check(err.get(0), "clCreateContext(" + device.info().name() + ")");
            program = clCreateProgramWithSource(context, text, err);
            OclCheck.check(err.get(0), "clCreateProgramWithSource");
            int status = clBuildProgram(program, d, options, null, 0);
            if (status != 0) {
                throw new KernelBuildException("OpenCL program on " + device.info().name() + " (options '" + options + "')",
                        OclCheck.describe(status), buildLog(program, d));
            }
            s = new Shared(context, program);
            SHARED.put(key, s);
            return s;
        } catch (RuntimeException | Error e) {
            if (program != 0) {
                logIfFailed(clReleaseProgram(program), "clReleaseProgram");
            }
            if (context != 0) {
                logIfFailed(clReleaseContext(context), "clReleaseContext");
            }
            throw e;
        }
    }

    private static String buildLog(long program, long d) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            if (clGetProgramBuildInfo(program, d, CL_PROGRAM_BUILD_LOG, (ByteBuffer) null, size) != 0) {
                return "(build log unavailable)";
            }
            ByteBuffer buf = MemoryUtil.memAlloc((int) Math.max(1, size.get(0)));
            try {
                if (clGetProgramBuildInfo(program, d, CL_PROGRAM_BUILD_LOG, buf, null) != 0) {
                    return "(build log unavailable)";
                }
                return MemoryUtil.memUTF8(buf, Math.max(0, buf.capacity() - 1));
            } finally {
                MemoryUtil.memFree(buf);
            }
        }
    }

    @Override
    public DeviceInfo info() {
        return device.info();
    }

    @Override
    public GpuBuffer allocate(long bytes) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer err = stack.mallocInt(1);
            long mem = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, err);
            OclCheck.check(err.get(0), "clCreateBuffer(" + bytes + " bytes)");
            return new OclBuffer(mem, bytes);
        }
    }

    @Override
    public GpuKernel kernel(String name) {
        OclKernel k = kernels.get(name);
        if (k == null) {
            try (MemoryStack stack = MemoryStack.stackPush()) {
                IntBuffer err = stack.mallocInt(1);
                long handle = clCreateKernel(program, name, err);
                OclCheck.check(err.get(0), "clCreateKernel(" + name + ")");
                k = new OclKernel(name, handle);
                kernels.put(name, k);
            }
        }
        return k;
    }

    @Override
    public void launch(GpuKernel kernel, int groupsX, int groupsY, int localX, int localY, int dynLocalBytes, Object... args) {
        enqueue(kernel, groupsX, groupsY, localX, localY, dynLocalBytes, null, args);
    }

    /** Recreates the queue with profiling on, so that {@link #launchTimed} can read each launch's device time. */
    @Override
    public boolean enableTiming() {
        if (!profiling) {
            try (MemoryStack stack = MemoryStack.stackPush()) {
                OclCheck.check(clFinish(queue), "clFinish");
                IntBuffer err = stack.mallocInt(1);
                long q = clCreateCommandQueue(context, device.device(), CL_QUEUE_PROFILING_ENABLE, err);
                OclCheck.check(err.get(0), "clCreateCommandQueue(PROFILING_ENABLE)");
                logIfFailed(clReleaseCommandQueue(queue), "clReleaseCommandQueue");
                queue = q;
                profiling = true;
            }
        }
        return true;
    }

    @Override
    public TimedLaunch launchTimed(GpuKernel kernel, int groupsX, int groupsY, int localX, int localY, int dynLocalBytes,
                                   Object... args) {
        if (!profiling) {
            return GpuDevice.super.launchTimed(kernel, groupsX, groupsY, localX, localY, dynLocalBytes, args);
        }
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer event = stack.mallocPointer(1);
            enqueue(kernel, groupsX, groupsY, localX, localY, dynLocalBytes, event, args);
            return new OclTimedLaunch(event.get(0));
        }
    }

    /** A launch's profiling event: {@code CL_PROFILING_COMMAND_END - CL_PROFILING_COMMAND_START}. */
    private record OclTimedLaunch(long event) implements TimedLaunch {
        @Override
        public long nanos() {
            OclCheck.check(clWaitForEvents(event), "clWaitForEvents");
            try (MemoryStack stack = MemoryStack.stackPush()) {
                LongBuffer t = stack.mallocLong(1);
                OclCheck.check(clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_START, t, null), "clGetEventProfilingInfo(START)");
                long start = t.get(0);
                OclCheck.check(clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_END, t, null), "clGetEventProfilingInfo(END)");
                return t.get(0) - start;
            }
        }

        @Override
        public void close() {
            logIfFailed(clReleaseEvent(event), "clReleaseEvent");
        }
    }

    @Override
    public void writeAsync(GpuBuffer dst, long offset, ByteBuffer src) {
        OclCheck.check(clEnqueueWriteBuffer(queue, ((OclBuffer) dst).mem(), false, offset, src, null, null),
                "clEnqueueWriteBuffer(" + src.remaining() + " bytes, non-blocking)");
    }

    private void enqueue(GpuKernel kernel, int groupsX, int groupsY, int localX, int localY, int dynLocalBytes,
                         PointerBuffer event, Object... args) {
        long k = ((OclKernel) kernel).handle();
        String name = kernel.name();
        for (int i = 0; i < args.length; i++) {
            Object arg = args[i];
            int status;
            if (arg instanceof OclBuffer b) {
                status = clSetKernelArg1p(k, i, b.mem());
            } else if (arg instanceof Integer v) {
                status = clSetKernelArg1i(k, i, v);
            } else if (arg instanceof Float v) {
                status = clSetKernelArg1f(k, i, v);
            } else {
                throw new IllegalArgumentException(name + " argument " + i + ": unsupported type " + (arg == null ? "null" : arg.getClass()));
            }
            if (status != 0) {
                OclCheck.check(status, "clSetKernelArg(" + name + ", " + i + ")");
            }
        }
        if (dynLocalBytes > 0) {
            OclCheck.check(clSetKernelArg(k, args.length, (long) dynLocalBytes), "clSetKernelArg(" + name + ", local " + dynLocalBytes + " bytes)");
        }
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer global = stack.mallocPointer(2).put(0, (long) groupsX * localX).put(1, (long) groupsY * localY);
            PointerBuffer local = stack.mallocPointer(2).put(0, localX).put(1, localY);
            int status = clEnqueueNDRangeKernel(queue, k, 2, null, global, local, null, event);
            if (status != 0) {
                OclCheck.check(status, "clEnqueueNDRangeKernel(" + liftnet.gpu.SyncLaunches.describe(name, groupsX, groupsY, localX, localY, dynLocalBytes) + ")");
            }
        }
        if (syncLaunches) {
            int status = clFinish(queue);
            if (status != 0) {
                throw new liftnet.api.EngineException("OpenCL: " + liftnet.gpu.SyncLaunches.describe(name, groupsX, groupsY, localX, localY, dynLocalBytes)
                        + " failed: " + OclCheck.describe(status) + " (" + liftnet.gpu.SyncLaunches.PROPERTY + " is on: the launch was waited for)");
            }
        }
    }

    @Override
    public void write(GpuBuffer dst, long offset, ByteBuffer src) {
        OclCheck.check(clEnqueueWriteBuffer(queue, ((OclBuffer) dst).mem(), true, offset, src, null, null),
                "clEnqueueWriteBuffer(" + src.remaining() + " bytes)");
    }

    @Override
    public void read(GpuBuffer src, long offset, ByteBuffer dst) {
        OclCheck.check(clEnqueueReadBuffer(queue, ((OclBuffer) src).mem(), true, offset, dst, null, null),
                "clEnqueueReadBuffer(" + dst.remaining() + " bytes)");
    }

    @Override
    public void copy(GpuBuffer src, long srcOffset, GpuBuffer dst, long dstOffset, long bytes) {
        OclCheck.check(clEnqueueCopyBuffer(queue, ((OclBuffer) src).mem(), ((OclBuffer) dst).mem(), srcOffset, dstOffset, bytes, null, null),
                "clEnqueueCopyBuffer(" + bytes + " bytes)");
    }

    @Override
    public void zero(GpuBuffer dst, long offset, long bytes) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            ByteBuffer pattern = stack.calloc(4);
            OclCheck.check(clEnqueueFillBuffer(queue, ((OclBuffer) dst).mem(), pattern, offset, bytes, null, null),
                    "clEnqueueFillBuffer(" + bytes + " bytes)");
        }
    }

    @Override
    public void finish() {
        OclCheck.check(clFinish(queue), "clFinish");
    }

    @Override
    public int maxWorkGroupSize() {
        return (int) Math.min(Integer.MAX_VALUE, maxWorkGroup);
    }

    @Override
    public long localMemoryBytes() {
        return localMem;
    }

    @Override
    public void close() {
        for (OclKernel k : kernels.values()) {
            logIfFailed(clReleaseKernel(k.handle()), "clReleaseKernel(" + k.name() + ")");
        }
        kernels.clear();
        if (queue != 0) {
            logIfFailed(clFinish(queue), "clFinish");
            logIfFailed(clReleaseCommandQueue(queue), "clReleaseCommandQueue");
            queue = 0;
        }
    }

    private static void logIfFailed(int status, String call) {
        if (status != 0) {
            LOG.log(System.Logger.Level.WARNING, "OpenCL: " + call + " failed: " + OclCheck.describe(status));
        }
    }
}
