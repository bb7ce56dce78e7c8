package liftnet.api;

import java.util.List;

/**
 * Creates engines of one backend; found with {@link java.util.ServiceLoader} (see
 * {@code META-INF/services/liftnet.api.EngineProvider}).
 */
public interface EngineProvider {

    /**
     * Backend id used by {@code --device} ({@code ID[:N]}), e.g. {@code cpu}, {@code opencl}, {@code cuda}: a new
     * backend needs only a provider registered in {@code META-INF/services/liftnet.api.EngineProvider}.
     */
    String id();

    /** What the backend's engines can train ({@link Engine#capabilities()} of each returns the same). */
    EngineCapabilities capabilities();

    /** Higher wins when {@code --device gpu|auto} picks a backend. */
    int priority();

    /**
     * Whether the backend drives GPUs (it may also list CPU devices, as OpenCL does with PoCL). {@code --device auto}
     * falls back to the highest-priority backend that does not.
     */
    boolean isGpu();

    /**
     * Devices this backend can use now, in index order; empty if none (the runtime library or driver is
     * missing). Never throws: problems are reported through {@link #probeProblem()}.
     */
    List<DeviceInfo> devices();

    /** Why {@link #devices()} is empty, or {@code null}. */
    String probeProblem();

    /**
     * An engine for {@code config} on device {@code index} of {@link #devices()}.
     *
     * @throws EngineException when the device cannot be opened or the kernels fail to build
     */
    Engine create(NetConfig config, int index);

    /**
     * {@link #create(NetConfig, int)} with {@code threads} host threads, for backends that compute on the host
     * (0: all processors); backends that compute on a device ignore it.
     */
    default Engine create(NetConfig config, int index, int threads) {
        return create(config, index);
    }

    /**
     * {@link #create(NetConfig, int, int)} with the command line's backend {@code switches}; backends without such
     * switches (the CPU) ignore them.
     */
    default Engine create(NetConfig config, int index, int threads, EngineSwitches switches) {
        return create(config, index, threads);
    }
}
