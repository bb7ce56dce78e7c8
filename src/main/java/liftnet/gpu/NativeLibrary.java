package liftnet.gpu;

import org.lwjgl.system.Configuration;
import org.lwjgl.system.Platform;
import org.lwjgl.system.linux.DynamicLinkLoader;

/**
 * Checks that a system library can be loaded before LWJGL tries, so that a machine without a GPU driver gets
 * a one-line reason from the engine probe instead of LWJGL's multi-line advice on stderr.
 */
public final class NativeLibrary {

    private NativeLibrary() {
    }

    /**
     * @param name a library name as {@code dlopen} takes it, e.g. {@code libcuda.so.1}, or an absolute path
     * @return {@code null} when it loads (it is unloaded again), else the loader's reason
     */
    public static String problem(String name) {
        if (Platform.get() != Platform.LINUX) {
            return null; // let LWJGL decide
        }
        long handle = DynamicLinkLoader.dlopen(name, DynamicLinkLoader.RTLD_LAZY);
        if (handle == 0) {
            String why = DynamicLinkLoader.dlerror();
            return "cannot load " + name + (why == null ? "" : ": " + why.strip());
        }
        DynamicLinkLoader.dlclose(handle);
        return null;
    }

    /**
     * {@link #problem(String)} for the library that an LWJGL option names, after setting the option to {@code fallback}
     * when it is unset (so that LWJGL then loads the library checked here).
     *
     * @param name     e.g. {@code Configuration.CUDA_LIBRARY_NAME}; modified when unset
     * @param fallback the name to use when the option is unset, e.g. {@code libcuda.so.1}
     */
    public static String problem(Configuration<String> name, String fallback) {
        if (name.get() == null) {
            name.set(fallback);
        }
        return problem(name.get());
    }
}
