package liftnet.cuda;

import liftnet.api.EngineSwitches;
import liftnet.api.NetConfig;
import liftnet.gpu.GpuEngine;
import liftnet.gpu.GpuOptions;

/**
 * The GPU engine ({@link GpuEngine}) on a CUDA device, driver API, kernels from the build's PTX (or NVRTC).
 * Launches go to one stream; the steps of an epoch that repeats the previous one are captured into a CUDA graph
 * ({@link CudaGraph}) and replayed unless {@link GpuOptions#graphs()} is off.
 */
public final class CudaEngine extends GpuEngine {

    /** Opens CUDA device {@code index} with the default switches ({@link GpuOptions#of}). */
    public CudaEngine(NetConfig config, int index) {
        this(config, index, GpuOptions.of(EngineSwitches.defaults()));
    }

    /** Opens CUDA device {@code index} (see {@link CudaRuntime#devices()}) for {@code config} with {@code options}. */
    public CudaEngine(NetConfig config, int index, GpuOptions options) {
        super(supported("cuda:" + index, config), new CudaDevice(index), config, options);
    }
}
