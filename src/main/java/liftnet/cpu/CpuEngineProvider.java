package liftnet.cpu;

import java.util.List;
import liftnet.api.DeviceInfo;
import liftnet.api.Engine;
import liftnet.api.EngineCapabilities;
import liftnet.api.EngineProvider;
import liftnet.api.NetConfig;

/** The pure-Java engine on all processors; always available. */
public final class CpuEngineProvider implements EngineProvider {

    @Override
    public String id() {
        return "cpu";
    }

    @Override
    public EngineCapabilities capabilities() {
        return CpuEngine.CAPABILITIES;
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public boolean isGpu() {
        return false;
    }

    @Override
    public List<DeviceInfo> devices() {
        return List.of(new DeviceInfo("cpu", 0, Runtime.getRuntime().availableProcessors() + " processors",
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"), false));
    }

    @Override
    public String probeProblem() {
        return null;
    }

    @Override
    public Engine create(NetConfig config, int index) {
        return create(config, index, 0);
    }

    @Override
    public Engine create(NetConfig config, int index, int threads) {
        return new CpuEngine(config, threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
    }
}
