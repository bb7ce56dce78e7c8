package liftnet.cuda;

import liftnet.api.Engine;
import liftnet.api.EngineContractTest;
import liftnet.api.NetConfig;

/** The engine contract on the first CUDA device; skipped without one. */
class CudaEngineContractTest extends EngineContractTest {

    @Override
    protected Engine create(NetConfig config) {
        return new CudaEngine(config, CudaTesting.device());
    }

    @Override
    protected boolean implementsSoftClamp() {
        return true;
    }
}
