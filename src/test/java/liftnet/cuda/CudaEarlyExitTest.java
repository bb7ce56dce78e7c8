package liftnet.cuda;

import liftnet.api.NetConfig;
import liftnet.gpu.GpuEarlyExitTest;
import liftnet.gpu.GpuEngine;
import liftnet.gpu.GpuOptions;

/** The batch-level early exit on the first CUDA device; skipped without one. */
class CudaEarlyExitTest extends GpuEarlyExitTest {

    @Override
    protected GpuEngine create(NetConfig config, GpuOptions options) {
        return new CudaEngine(config, CudaTesting.device(), options);
    }
}
