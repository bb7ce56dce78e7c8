package liftnet.opencl;

import liftnet.api.NetConfig;
import liftnet.gpu.GpuConvParityTest;
import liftnet.gpu.GpuEngine;

/** The OpenCL engine (PoCL's CPU device in CI) on conv nets against the CPU engine. */
class OclConvParityTest extends GpuConvParityTest {

    @Override
    protected void assumeDevice() {
        OclTesting.device();
    }

    @Override
    protected GpuEngine create(NetConfig config) {
        return OclTesting.engine(config, GpuEngine.Path.AUTO);
    }
}
