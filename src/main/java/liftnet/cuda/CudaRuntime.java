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

    private record Probe(List<DeviceInfo> devices, String problem) {
    }

    private static Probe probe;

    private CudaRuntime() {
    }

    /** Lists the CUDA devices, one per line, or says why there are none (exit status 1). A diagnostic tool. */
    public static void main(String[] args) {
        var list = devices();
        if (list.isEmpty()) {
            System.out.println("no CUDA device: " + problem());
            System.exit(1);
        }
        list.forEach(d -> System.out.println(d));
    }

    /** All CUDA devices; empty without driver or device. */
    public static synchronized List<DeviceInfo> devices() {
        return probe().devices();
    }

    /** Why {@link #devices()} is empty, or {@code null}. */
    public static synchronized String problem() {
        return probe().problem();
    }

    private static Probe probe() {
        if (probe == null) {
            probe = doProbe();
        }
        return probe;
    }

    private static Probe doProbe() {
        try {
            if (Configuration.CUDA_LIBRARY_NAME.get() == null) {
                Configuration.CUDA_LIBRARY_NAME.set(LIBRARY);
            }
            String missing = NativeLibrary.problem(Configuration.CUDA_LIBRARY_NAME.get());
            if (missing != null) {
                return new Probe(List.of(), "CUDA unavailable: " + missing + " (the NVIDIA driver is not installed)");
            }
            int status = cuInit(0);
            if (status != 0) {
                return new Probe(List.of(), "cuInit failed: " + CudaCheck.describe(status) + " (driver " + Configuration.CUDA_LIBRARY_NAME.get() + ")");
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
                    return new Probe(List.of(), driver + " reports no device");
                }
                return new Probe(List.copyOf(list), null);
            }
        } catch (Throwable t) {
            String why = t.getMessage() == null ? t.toString() : t.getMessage();
            Object lib = Configuration.CUDA_LIBRARY_NAME.get();
            return new Probe(List.of(), "CUDA unavailable: cannot use " + (lib == null ? LIBRARY : lib) + " ("
                    + t.getClass().getSimpleName() + ": " + why.strip() + ")");
        }
    }
}
