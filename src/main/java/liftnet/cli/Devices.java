package liftnet.cli;

import java.io.PrintStream;
import liftnet.api.DeviceInfo;
import liftnet.api.Engine;
import liftnet.api.EngineException;
import liftnet.api.EngineProvider;
import liftnet.api.Engines;
import liftnet.api.NetConfig;
import liftnet.cpu.CpuEngine;

/** Opens the engine a {@code --device} value names and says on stderr which one it is. */
final class Devices {

    private Devices() {
    }

    /**
     * Opens an engine: {@code cpu} with {@code threads} threads; {@code auto} a GPU if one works, else the CPU;
     * {@code gpu}, {@code opencl[:N]}, {@code cuda[:N]} that device or an {@link EngineException} listing the
     * devices found.
     */
    static Engine open(String device, NetConfig config, int threads, PrintStream err) {
        String kind = Engines.DeviceChoice.parse(device).kind();
        if (kind.equals("cpu")) {
            Engine engine = new CpuEngine(config, threads);
            err.println("device: " + engine.name());
            return engine;
        }
        if (kind.equals("auto")) {
            if (!anyGpu()) {
                Engine engine = new CpuEngine(config, threads);
                err.println("device: " + engine.name() + " (auto: no GPU found)");
                return engine;
            }
            try {
                Engine engine = Engines.open("auto", config);
                err.println("device: " + engine.name() + " (auto)");
                return engine;
            } catch (EngineException e) {
                Engine engine = new CpuEngine(config, threads);
                err.println("device: " + engine.name() + " (auto: the GPU failed: " + Errors.oneLine(e.getMessage()) + ")");
                return engine;
            }
        }
        if (!kind.equals("gpu") && Engines.providers().stream().noneMatch(p -> p.id().equals(kind))) {
            throw new EngineException("--device " + device + ": this build has no " + kind + " backend. "
                    + Engines.describeDevices() + " Use --device cpu or auto.");
        }
        Engine engine = Engines.open(device, config);
        err.println("device: " + engine.name());
        return engine;
    }

    /** Whether some backend reports a GPU device. */
    static boolean anyGpu() {
        for (EngineProvider p : Engines.providers()) {
            for (DeviceInfo d : p.devices()) {
                if (d.gpu()) {
                    return true;
                }
            }
        }
        return false;
    }
}
