package liftnet.opencl;

import static org.lwjgl.opencl.CL10.CL_DEVICE_NAME;
import static org.lwjgl.opencl.CL10.CL_DEVICE_TYPE;
import static org.lwjgl.opencl.CL10.CL_DEVICE_TYPE_ALL;
import static org.lwjgl.opencl.CL10.CL_DEVICE_TYPE_GPU;
import static org.lwjgl.opencl.CL10.CL_PLATFORM_NAME;
import static org.lwjgl.opencl.CL10.CL_PLATFORM_VERSION;
import static org.lwjgl.opencl.CL10.clGetDeviceIDs;
import static org.lwjgl.opencl.CL10.clGetDeviceInfo;
import static org.lwjgl.opencl.CL10.clGetPlatformIDs;
import static org.lwjgl.opencl.CL10.clGetPlatformInfo;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import liftnet.api.DeviceInfo;
import liftnet.gpu.DeviceProbe;
import liftnet.gpu.NativeLibrary;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.Configuration;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/**
 * Loads the OpenCL ICD loader by its versioned name {@code libOpenCL.so.1} (so that no development
 * package is needed) and lists the devices of all platforms. The list is probed once per JVM.
 */
public final class OclRuntime {

    /** Library name used unless {@code -Dorg.lwjgl.opencl.libname} says otherwise. */
    public static final String LIBRARY = "libOpenCL.so.1";

    /** One device: its handles and what it is. */
    public record Device(long platform, long device, DeviceInfo info) {
    }

    /** The devices, probed on first use; {@link #devices()} and {@link #problem()} read it. */
    static final DeviceProbe<Device> PROBE = new DeviceProbe<>("OpenCL", OclRuntime::listDevices, Device::info);

    private OclRuntime() {
    }

    /** Lists the OpenCL devices, one per line, or says why there are none (exit status 1). A diagnostic tool. */
    public static void main(String[] args) {
        PROBE.print();
    }

    /** All OpenCL devices, platform by platform; empty when there is no loader or no platform. */
    public static List<Device> devices() {
        return PROBE.devices();
    }

    /** Why {@link #devices()} is empty, or {@code null}. */
    public static String problem() {
        return PROBE.problem();
    }

    private static DeviceProbe.Result<Device> listDevices() {
        try {
            String missing = NativeLibrary.problem(Configuration.OPENCL_LIBRARY_NAME, LIBRARY);
            if (missing != null) {
                return DeviceProbe.Result.none("OpenCL unavailable: " + missing + " (install an OpenCL ICD loader such as ocl-icd-libopencl1 and a driver: a GPU vendor's, or pocl-opencl-icd for the CPU)");
            }
            List<Device> list = new ArrayList<>();
            try (MemoryStack stack = MemoryStack.stackPush()) {
                IntBuffer count = stack.mallocInt(1);
                int status = clGetPlatformIDs(null, count);
                if (status == -1001 || (status == 0 && count.get(0) == 0)) {
                    return DeviceProbe.Result.none("OpenCL loader " + LIBRARY + " found no platform (no ICD installed under /etc/OpenCL/vendors)");
                }
                OclCheck.check(status, "clGetPlatformIDs");
                PointerBuffer platforms = stack.mallocPointer(count.get(0));
                OclCheck.check(clGetPlatformIDs(platforms, (IntBuffer) null), "clGetPlatformIDs");
                for (int p = 0; p < platforms.capacity(); p++) {
                    long platform = platforms.get(p);
                    String pname = platformString(platform, CL_PLATFORM_NAME) + " " + platformString(platform, CL_PLATFORM_VERSION);
                    IntBuffer n = stack.mallocInt(1);
                    int st = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, null, n);
                    if (st == -1 || n.get(0) == 0) {
                        continue;
                    }
                    OclCheck.check(st, "clGetDeviceIDs");
                    PointerBuffer devs = stack.mallocPointer(n.get(0));
                    OclCheck.check(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, devs, (IntBuffer) null), "clGetDeviceIDs");
                    for (int d = 0; d < devs.capacity(); d++) {
                        long device = devs.get(d);
                        LongBuffer type = stack.mallocLong(1);
                        OclCheck.check(clGetDeviceInfo(device, CL_DEVICE_TYPE, type, null), "clGetDeviceInfo(CL_DEVICE_TYPE)");
                        boolean gpu = (type.get(0) & CL_DEVICE_TYPE_GPU) != 0;
                        String dname = deviceString(device, CL_DEVICE_NAME);
                        list.add(new Device(platform, device, new DeviceInfo("opencl", list.size(), dname, pname.trim(), gpu)));
                    }
                }
            }
            if (list.isEmpty()) {
                return DeviceProbe.Result.none("OpenCL platforms found, but they list no device");
            }
            return DeviceProbe.Result.found(list);
        } catch (Throwable t) {
            // UnsatisfiedLinkError or ExceptionInInitializerError when the loader is missing, EngineException otherwise.
            return DeviceProbe.Result.none(DeviceProbe.unusable("OpenCL", LIBRARY, t));
        }
    }

    static String platformString(long platform, int param) {
        return infoString((value, size) -> clGetPlatformInfo(platform, param, value, size), "clGetPlatformInfo");
    }

    static String deviceString(long device, int param) {
        return infoString((value, size) -> clGetDeviceInfo(device, param, value, size), "clGetDeviceInfo");
    }

    /** A {@code clGet*Info} query of one parameter: {@code value} {@code null} asks for the size only. */
    private interface InfoQuery {
        int get(ByteBuffer value, PointerBuffer size);
    }

    /** The string a query returns: its size first, then the text without the terminating NUL, stripped. */
    private static String infoString(InfoQuery query, String call) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            OclCheck.check(query.get(null, size), call);
            ByteBuffer buf = MemoryUtil.memAlloc((int) size.get(0));
            try {
                OclCheck.check(query.get(buf, null), call);
                return MemoryUtil.memUTF8(buf, Math.max(0, buf.capacity() - 1)).strip();
            } finally {
                MemoryUtil.memFree(buf);
            }
        }
    }
}
