package liftnet.cpu;

import liftnet.api.Engine;
import liftnet.api.EngineContractTest;
import liftnet.api.NetConfig;

/** The engine contract on the CPU engine with two threads (rows split between them). */
class CpuEngineTest extends EngineContractTest {

    @Override
    protected Engine create(NetConfig config) {
        return new CpuEngine(config, 2);
    }

    @Override
    protected boolean implementsSoftClamp() {
        return true;
    }
}
