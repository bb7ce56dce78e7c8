package liftnet.opencl;

import liftnet.api.NetConfig;
import liftnet.gpu.GpuEngine;
import liftnet.gpu.GpuGemmVariantsTest;
import liftnet.gpu.GpuOptions;

/** Tiled and blocked matrix kernels on the first OpenCL device. */
class OclGemmVariantsTest extends GpuGemmVariantsTest {

    @Override
    protected GpuEngine create(NetConfig config, GpuOptions options) {
        return new OclEngine(config, OclTesting.device(), options);
    }
}
