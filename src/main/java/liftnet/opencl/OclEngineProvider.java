package liftnet.opencl;

import java.util.List;
import liftnet.api.DeviceInfo;
import liftnet.api.Engine;
import liftnet.api.EngineCapabilities;
import liftnet.api.EngineProvider;
import liftnet.api.NetConfig;
import liftnet.gpu.GpuEngine;

/** Backend {@code opencl}: every OpenCL device (GPUs, and CPUs such as PoCL's). */
public final class OclEngineProvider implements EngineProvider {

    /** Below {@code cuda}, above {@code cpu}. */
    public static final int PRIORITY = 50;

    @Override
    public String id() {
        return "opencl";
    }

    @Override
    public EngineCapabilities capabilities() {
        return GpuEngine.capabilities(id());
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public boolean isGpu() {
        return true;
    }

    @Override
    public List<DeviceInfo> devices() {
        return OclRuntime.devices().stream().map(OclRuntime.Device::info).toList();
    }

    @Override
    public String probeProblem() {
        return OclRuntime.problem();
    }

    @Override
    public Engine create(NetConfig config, int index) {
        return new OclEngine(config, index);
    }
}
