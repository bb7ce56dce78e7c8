package liftnet.cuda;

import liftnet.api.NetConfig;
import liftnet.gpu.GpuEngine;

/**
 * The GPU engine ({@link GpuEngine}) on a CUDA device, driver API, kernels from the build's PTX (or NVRTC).
 * Launches go to one stream; the steps of an epoch that repeats the previous one are captured into a CUDA graph
 * ({@link CudaGraph}) and replayed (system property {@code liftnet.gpu.graph=off} turns that off).
 */
public final class CudaEngine extends GpuEngine {

    /** Opens CUDA device {@code index} (see {@link CudaRuntime#devices()}) for {@code config}. */
    public CudaEngine(NetConfig config, int index) {
        super(supported("cuda:" + index, config), new CudaDevice(index), config);
    }
}
