package liftnet.cuda;

import static org.lwjgl.cuda.CU.cuDeviceGet;
import static org.lwjgl.cuda.CU.cuDeviceGetCount;
import static org.lwjgl.cuda.CU.cuDeviceGetName;
import static org.lwjgl.cuda.CU.cuDriverGetVersion;
import static org.lwjgl.cuda.CU.cuInit;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.List;
import liftnet.api.DeviceInfo;
import liftnet.gpu.DeviceProbe;
import liftnet.gpu.NativeLibrary;
import org.lwjgl.system.Configuration;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/**
 * Loads the CUDA driver by its versioned name {@code libcuda.so.1} (what the driver package installs),
 * initialises it and lists the devices. Probed once per JVM.
 */
public final class CudaRuntime {

    /** Driver library name used unless {@code -Dorg.lwjgl.cuda.libname} says otherwise. */
    public static final String LIBRARY = "libcuda.so.1";

    /** The devices, probed on first use; {@link #devices()} and {@link #problem()} read it. */
    static final DeviceProbe<DeviceInfo> PROBE = new DeviceProbe<>("CUDA", CudaRuntime::listDevices, d -> d);

    private CudaRuntime() {
    }

    /** Lists the CUDA devices, one per line, or says why there are none (exit status 1). A diagnostic tool. */
    public static void main(String[] args) {
        PROBE.print();
    }

    /** All CUDA devices; empty without driver or device. */
    public static List<DeviceInfo> devices() {
        return PROBE.devices();
    }

    /** Why {@link #devices()} is empty, or {@code null}. */
    public static String problem() {
        return PROBE.problem();
    }

    private static DeviceProbe.Result<DeviceInfo> listDevices() {
        try {
            String missing = NativeLibrary.problem(Configuration.CUDA_LIBRARY_NAME, LIBRARY);
            if (missing != null) {
                return DeviceProbe.Result.none("CUDA unavailable: " + missing + " (the NVIDIA driver is not installed)");
            }
            int status = cuInit(0);
            if (status != 0) {
                return DeviceProbe.Result.none("cuInit failed: " + CudaCheck.describe(status) + " (driver " + Configuration.CUDA_LIBRARY_NAME.get() + ")");
            }
            try (MemoryStack stack = MemoryStack.stackPush()) {
                IntBuffer version = stack.mallocInt(1);
                CudaCheck.check(cuDriverGetVersion(version), "cuDriverGetVersion");
                String driver = "CUDA driver " + version.get(0) / 1000 + "." + (version.get(0) % 1000) / 10;
                IntBuffer count = stack.mallocInt(1);
                CudaCheck.check(cuDeviceGetCount(count), "cuDeviceGetCount");
                List<DeviceInfo> list = new ArrayList<>();
                for (int i = 0; i < count.get(0); i++) {
                    IntBuffer dev = stack.mallocInt(1);
                    CudaCheck.check(cuDeviceGet(dev, i), "cuDeviceGet(" + i + ")");
                    ByteBuffer name = stack.calloc(256);
                    CudaCheck.check(cuDeviceGetName(name, dev.get(0)), "cuDeviceGetName");
                    list.add(new DeviceInfo("cuda", i, MemoryUtil.memASCII(MemoryUtil.memAddress(name)).strip(), driver, true));
                }
                if (list.isEmpty()) {
                    return DeviceProbe.Result.none(driver + " reports no device");
                }
                return DeviceProbe.Result.found(list);
            }
        } catch (Throwable t) {
            Object lib = Configuration.CUDA_LIBRARY_NAME.get();
            return DeviceProbe.Result.none(DeviceProbe.unusable("CUDA", lib == null ? LIBRARY : lib, t));
        }
    }
}
