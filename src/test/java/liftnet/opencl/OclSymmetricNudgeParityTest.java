package liftnet.opencl;

import liftnet.api.NetConfig;
import liftnet.gpu.GpuEngine;
import liftnet.gpu.GpuSymmetricNudgeParityTest;

/** Symmetric nudging on the OpenCL engine (PoCL's CPU device in CI) against the CPU engine. */
class OclSymmetricNudgeParityTest extends GpuSymmetricNudgeParityTest {

    @Override
    protected void assumeDevice() {
        OclTesting.device();
    }

    @Override
    protected GpuEngine create(NetConfig config, GpuEngine.Path path) {
        return OclTesting.engine(config, path);
    }
}
