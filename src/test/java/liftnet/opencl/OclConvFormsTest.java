package liftnet.opencl;

import liftnet.api.NetConfig;
import liftnet.gpu.GpuConvFormsTest;
import liftnet.gpu.GpuEngine;
import liftnet.gpu.GpuOptions;

/** Direct and implicit-GEMM convolutions on the first OpenCL device. */
class OclConvFormsTest extends GpuConvFormsTest {

    @Override
    protected GpuEngine create(NetConfig config, GpuOptions options) {
        return new OclEngine(config, OclTesting.device(), options);
    }
}
