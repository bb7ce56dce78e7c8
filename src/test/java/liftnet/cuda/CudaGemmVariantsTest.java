package liftnet.cuda;

import liftnet.api.NetConfig;
import liftnet.gpu.GpuEngine;
import liftnet.gpu.GpuGemmVariantsTest;
import liftnet.gpu.GpuOptions;

/** Tiled and blocked matrix kernels on the first CUDA device; skipped without one. */
class CudaGemmVariantsTest extends GpuGemmVariantsTest {

    @Override
    protected GpuEngine create(NetConfig config, GpuOptions options) {
        return new CudaEngine(config, CudaTesting.device(), options);
    }
}
