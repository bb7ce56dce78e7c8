package liftnet.cuda;

import liftnet.api.NetConfig;
import liftnet.gpu.GpuEngine;
import liftnet.gpu.GpuSymmetricNudgeParityTest;

/** Symmetric nudging on the CUDA engine against the CPU engine; skipped without a CUDA device. */
class CudaSymmetricNudgeParityTest extends GpuSymmetricNudgeParityTest {

    @Override
    protected void assumeDevice() {
        CudaTesting.device();
    }

    @Override
    protected GpuEngine create(NetConfig config, GpuEngine.Path path) {
        CudaEngine e = new CudaEngine(config, CudaTesting.device());
        e.setPath(path);
        return e;
    }
}
