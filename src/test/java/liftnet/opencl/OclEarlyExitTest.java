package liftnet.opencl;

import liftnet.api.NetConfig;
import liftnet.gpu.GpuEarlyExitTest;
import liftnet.gpu.GpuEngine;
import liftnet.gpu.GpuOptions;

/** The batch-level early exit on the OpenCL engine (PoCL's CPU device in CI). */
class OclEarlyExitTest extends GpuEarlyExitTest {

    @Override
    protected GpuEngine create(NetConfig config, GpuOptions options) {
        return new OclEngine(config, OclTesting.device(), options);
    }
}
