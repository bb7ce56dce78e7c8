package liftnet.cuda;

import liftnet.api.NetConfig;
import liftnet.gpu.GpuConvFormsTest;
import liftnet.gpu.GpuEngine;
import liftnet.gpu.GpuOptions;

/** Direct and implicit-GEMM convolutions on the first CUDA device; skipped without one. */
class CudaConvFormsTest extends GpuConvFormsTest {

    @Override
    protected GpuEngine create(NetConfig config, GpuOptions options) {
        return new CudaEngine(config, CudaTesting.device(), options);
    }
}
