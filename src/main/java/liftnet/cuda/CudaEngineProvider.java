package liftnet.cuda;

import liftnet.api.Engine;
import liftnet.api.EngineSwitches;
import liftnet.api.NetConfig;
import liftnet.gpu.GpuOptions;
import liftnet.gpu.GpuEngineProvider;

/** Backend {@code cuda}: NVIDIA GPUs through the CUDA driver ({@code libcuda.so.1}). */
public final class CudaEngineProvider extends GpuEngineProvider {

    /** Above {@code opencl}: on an NVIDIA machine both see the GPU, and CUDA is preferred. */
    public static final int PRIORITY = 100;

    /** The provider {@link java.util.ServiceLoader} creates. */
    public CudaEngineProvider() {
        super("cuda", PRIORITY, CudaRuntime.PROBE);
    }

    @Override
    public Engine create(NetConfig config, int index) {
        return new CudaEngine(config, index);
    }

    @Override
    public Engine create(NetConfig config, int index, int threads, EngineSwitches switches) {
        return new CudaEngine(config, index, GpuOptions.of(switches));
    }
}
