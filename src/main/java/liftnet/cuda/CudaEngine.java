package liftnet.cuda;

import liftnet.api.NetConfig;
import liftnet.gpu.GpuEngine;

/**
 * The GPU engine ({@link GpuEngine}) on a CUDA device, driver API, kernels from the build's PTX (or NVRTC).
 * Launches go to one stream; no CUDA graph capture yet (the fused solver already makes a phase one launch).
 */
public final class CudaEngine extends GpuEngine {

    /** Opens CUDA device {@code index} (see {@link CudaRuntime#devices()}) for {@code config}. */
    public CudaEngine(NetConfig config, int index) {
        super("cuda:" + index, new CudaDevice(index), config);
    }
}
