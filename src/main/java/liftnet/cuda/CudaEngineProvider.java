package liftnet.cuda;

import java.util.List;
import liftnet.api.DeviceInfo;
import liftnet.api.Engine;
import liftnet.api.EngineCapabilities;
import liftnet.api.EngineProvider;
import liftnet.api.NetConfig;
import liftnet.gpu.GpuEngine;

/** Backend {@code cuda}: NVIDIA GPUs through the CUDA driver ({@code libcuda.so.1}). */
public final class CudaEngineProvider implements EngineProvider {

    /** Above {@code opencl}: on an NVIDIA machine both see the GPU, and CUDA is preferred. */
    public static final int PRIORITY = 100;

    @Override
    public String id() {
        return "cuda";
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
        return CudaRuntime.devices();
    }

    @Override
    public String probeProblem() {
        return CudaRuntime.problem();
    }

    @Override
    public Engine create(NetConfig config, int index) {
        return new CudaEngine(config, index);
    }
}
