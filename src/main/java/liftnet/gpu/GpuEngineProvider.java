package liftnet.gpu;

import java.util.List;
import liftnet.api.DeviceInfo;
import liftnet.api.EngineCapabilities;
import liftnet.api.EngineProvider;

/**
 * A backend whose engines are {@link GpuEngine}s: its id, priority and device probe; the subclass opens its engine
 * ({@link #create}). Subclasses need a public no-argument constructor for {@link java.util.ServiceLoader}.
 */
public abstract class GpuEngineProvider implements EngineProvider {

    private final String id;
    private final int priority;
    private final DeviceProbe<?> probe;

    /**
     * @param id       the backend id, e.g. {@code opencl}
     * @param priority higher wins when {@code --device gpu|auto} picks a backend
     * @param probe    the backend's devices
     */
    protected GpuEngineProvider(String id, int priority, DeviceProbe<?> probe) {
        this.id = id;
        this.priority = priority;
        this.probe = probe;
    }

    @Override
    public final String id() {
        return id;
    }

    @Override
    public final EngineCapabilities capabilities() {
        return GpuEngine.capabilities(id);
    }

    @Override
    public final int priority() {
        return priority;
    }

    /** Always {@code true}: such a backend drives GPUs, though it may also list CPU devices (OpenCL with PoCL). */
    @Override
    public final boolean isGpu() {
        return true;
    }

    @Override
    public final List<DeviceInfo> devices() {
        return probe.infos();
    }

    @Override
    public final String probeProblem() {
        return probe.problem();
    }
}
