package liftnet.api;

import java.util.List;

/**
 * Creates engines of one backend; found with {@link java.util.ServiceLoader} (see
 * {@code META-INF/services/liftnet.api.EngineProvider}).
 */
public interface EngineProvider {

    /** Backend id used by {@code --device}: {@code cpu}, {@code opencl}, {@code cuda}. */
    String id();

    /** Higher wins when {@code --device gpu|auto} picks a backend. */
    int priority();

    /** Whether the backend drives a GPU (as opposed to the CPU, PoCL included). */
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
}
