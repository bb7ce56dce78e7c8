package liftnet.cuda;

import liftnet.api.NetConfig;
import liftnet.gpu.GpuConvParityTest;
import liftnet.gpu.GpuEngine;

/** The CUDA engine on conv nets against the CPU engine; skipped without a CUDA device. */
class CudaConvParityTest extends GpuConvParityTest {

    @Override
    protected void assumeDevice() {
        CudaTesting.device();
    }

    @Override
    protected GpuEngine create(NetConfig config) {
        return new CudaEngine(config, CudaTesting.device());
    }
}
